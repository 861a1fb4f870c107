#include "registry/partial_archive.h"

#include <algorithm>
#include <fstream>

#include "hash/digest.h"
#include "registry/tar_layout.h"

namespace fetchpool::registry {
namespace {

namespace fs = std::filesystem;

// What a tarball is: the same for the same images, and only for them (the layout is
// deterministic: see TarLayout).
std::string fingerprint_of(const std::vector<Descriptor>& blobs,
                           const std::map<std::string, std::int64_t>& offsets, std::int64_t size,
                           const std::string& manifest_json, const std::string& repositories) {
  std::string text = "fetchpool docker-archive 1\n" + std::to_string(size) + "\n";
  for (const Descriptor& blob : blobs)
    text +=
        blob.digest + " " + std::to_string(blob.size) + " " + std::to_string(offsets.at(blob.digest)) + "\n";
  text += manifest_json + "\n" + repositories + "\n";
  hash::Digest sha256("sha256");
  sha256.update(text.data(), text.size());
  return "sha256:" + sha256.finish();
}

}  // namespace

std::string archive_member_name(const std::string& digest) {
  return "blobs/sha256/" + digest.substr(digest.find(':') + 1);
}

PartialArchive::PartialArchive(fs::path output, fs::path record_dir)
    : output_(std::move(output)), record_dir_(std::move(record_dir)), part_(output_.string() + ".part") {}

PartialArchive::~PartialArchive() {
  if (committed_) return;
  std::string ignored;
  file_.close(&ignored);
  if (in_place()) return;  // kept, with its record, for the next run
  std::error_code ignored_code;
  fs::remove(part_, ignored_code);
}

bool PartialArchive::load_record(const std::string& fingerprint, std::int64_t size) {
  std::error_code missing;
  if (!fs::is_regular_file(part_, missing) ||
      static_cast<std::int64_t>(fs::file_size(part_, missing)) != size || missing)
    return false;
  std::ifstream in(record_path());
  std::string line;
  if (!std::getline(in, line) || line != fingerprint) return false;
  while (std::getline(in, line)) {
    // A line cut short by a crash names no blob of the layout, and is passed over.
    if (offsets_.count(line) > 0) complete_.insert(line);
  }
  return true;
}

bool PartialArchive::lay_out(const std::vector<Descriptor>& blobs, const std::string& manifest_json,
                             const std::string& repositories, std::string* error) {
  TarLayout layout;
  for (const Descriptor& blob : blobs) {
    if (!layout.add(archive_member_name(blob.digest), blob.size, &offsets_[blob.digest], error)) return false;
  }
  std::int64_t manifest_at = 0, repositories_at = 0;
  if (!layout.add("manifest.json", static_cast<std::int64_t>(manifest_json.size()), &manifest_at, error) ||
      !layout.add("repositories", static_cast<std::int64_t>(repositories.size()), &repositories_at, error))
    return false;
  const std::string fingerprint = fingerprint_of(blobs, offsets_, layout.size(), manifest_json, repositories);
  // The same tarball, partly filled by an earlier run: the regions its record names (and
  // whose bytes are still their digests') are kept, the rest written again.
  const bool reused = in_place() && load_record(fingerprint, layout.size());
  if (reused) {
    if (!file_.open_region(part_, 0, layout.size(), error)) return false;
    drop_unverified(blobs);
  } else {
    if (in_place()) {
      // Another layout's record and blob states say nothing about this one.
      std::error_code ignored;
      fs::remove_all(record_dir_, ignored);
      fs::create_directories(record_dir_, ignored);
    }
    if (!file_.open_truncate(part_, error)) return false;
  }
  // The headers, manifest.json and repositories, over a reused tarball too: they are
  // small, and nothing is fsync'd, so they are not taken on trust.
  if (!layout.write_headers(file_, error) ||
      !file_.write_at(manifest_at, manifest_json.data(), manifest_json.size(), error) ||
      !file_.write_at(repositories_at, repositories.data(), repositories.size(), error))
    return false;
  if (!in_place() || reused) return true;
  // Only now: a run killed before this point leaves no record, and the next lays out anew.
  std::ofstream record(record_path(), std::ios::trunc);
  if (!(record << fingerprint << "\n").flush()) {
    *error = "cannot write '" + record_path().string() + "'";
    return false;
  }
  return true;
}

void PartialArchive::drop_unverified(const std::vector<Descriptor>& blobs) {
  for (const Descriptor& blob : blobs) {
    if (complete_.count(blob.digest) == 0) continue;
    const std::int64_t at = offsets_.at(blob.digest);
    std::string ignored;
    hash::DigestSpec spec;
    // A digest fetchpool cannot check is fetched again, where the engine says so.
    if (hash::parse_digest_spec(blob.digest, &spec, &ignored)) {
      hash::Digest digest(spec.algorithm);
      const bool read = file_.read_range(
          at, at + blob.size, [&digest](const char* data, std::size_t size) { digest.update(data, size); },
          &ignored);
      if (read && digest.finish() == spec.hex) continue;
    }
    complete_.erase(blob.digest);
  }
}

void PartialArchive::note_complete(const std::string& digest) {
  if (!in_place()) return;
  // Without it the pull still completes; a rerun after a crash fetches this blob again.
  std::ofstream(record_path(), std::ios::app) << digest << "\n";
}

void PartialArchive::discard() {
  std::string ignored;
  file_.close(&ignored);
  std::error_code ignored_code;
  fs::remove(part_, ignored_code);
  if (in_place()) fs::remove_all(record_dir_, ignored_code);
}

bool PartialArchive::commit(std::string* error) {
  bool existed = false;
  committed_ =
      file_.close(error) && platform::rename_file(part_, output_.string(), /*replace=*/true, error, &existed);
  return committed_;
}

}  // namespace fetchpool::registry
