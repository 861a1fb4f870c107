#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "platform/file.h"
#include "registry/manifest.h"

namespace fetchpool::registry {

/// "blobs/sha256/HEX": the name of the blob `digest` in a docker-archive tarball, which its
/// manifest.json names it by.
std::string archive_member_name(const std::string& digest);

/// A docker-archive tarball being filled: OUTPUT.part laid out whole before the first blob
/// arrives (every header, manifest.json, repositories), each blob's bytes then written at
/// its offset, and renamed to OUTPUT by commit().
///
/// Filled in place (`record_dir` given), the engine writes each blob straight into its
/// region, so every byte is written once; OUTPUT.part then outlives a failed or interrupted
/// pull, beside a record in `record_dir` (the layout's fingerprint, then the digest of each
/// blob complete in it), where the engine also keeps each partial blob's resume state. A
/// rerun that lays out the same tarball continues it: only the blobs the record does not
/// name (and whose bytes there are read back as their digest's) are fetched, partial ones
/// from where they stopped. Any other layout starts over
/// (`record_dir` is emptied). Without a record, OUTPUT.part is removed unless committed.
class PartialArchive {
 public:
  PartialArchive(std::filesystem::path output, std::filesystem::path record_dir);
  ~PartialArchive();
  PartialArchive(const PartialArchive&) = delete;
  PartialArchive& operator=(const PartialArchive&) = delete;

  /// `blobs` (each once), then manifest.json and repositories. In place, an OUTPUT.part of
  /// this very layout (by its record) is kept as it is.
  bool lay_out(const std::vector<Descriptor>& blobs, const std::string& manifest_json,
               const std::string& repositories, std::string* error);
  bool in_place() const { return !record_dir_.empty(); }
  const std::string& part_path() const { return part_; }
  /// Where a blob's bytes go in the archive.
  std::int64_t offset_of(const std::string& digest) const { return offsets_.at(digest); }
  /// In place: the blob is complete in OUTPUT.part already (an earlier run recorded it).
  bool complete(const std::string& digest) const { return complete_.count(digest) > 0; }
  /// In place: the blob is complete and verified in its region; recorded at once, so that
  /// a pull killed after this does not fetch it again.
  void note_complete(const std::string& digest);
  /// The tarball is of no use to a rerun (a layer in it is not what the image says):
  /// OUTPUT.part goes, and in place its record and the blobs' states too.
  void discard();
  platform::OutputFile* file() { return &file_; }

  bool commit(std::string* error);

 private:
  std::filesystem::path record_path() const { return record_dir_ / "archive"; }
  /// The record's blobs, when it is of `fingerprint` and OUTPUT.part is the layout's size.
  bool load_record(const std::string& fingerprint, std::int64_t size);
  /// Reads back each blob the record names and forgets those whose bytes are not their
  /// digest's: nothing is fsync'd, so after a power loss a recorded blob may not be there.
  void drop_unverified(const std::vector<Descriptor>& blobs);

  std::filesystem::path output_;
  std::filesystem::path record_dir_;
  std::string part_;
  platform::OutputFile file_;
  std::map<std::string, std::int64_t> offsets_;
  std::set<std::string> complete_;
  bool committed_ = false;
};

}  // namespace fetchpool::registry
