#include "registry/image_assembler.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include "registry/diff_id.h"

namespace fetchpool::registry {
namespace {

constexpr std::size_t kChunk = 1 << 20;

}  // namespace

ImageAssembler::ImageAssembler(platform::OutputFile* archive) : archive_(archive) {}

ImageAssembler::~ImageAssembler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void ImageAssembler::expect(const std::string& digest, std::filesystem::path path, std::int64_t size,
                            std::int64_t archive_offset, bool is_layer, bool in_archive) {
  blobs_[digest] =
      Blob{std::move(path), size, archive_offset, is_layer, in_archive && archive_ != nullptr, false};
}

void ImageAssembler::start() {
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  for (std::size_t i = 0; i < std::min(workers, blobs_.size()); ++i) threads_.emplace_back([this] { run(); });
}

void ImageAssembler::blob_ready(const std::string& digest, bool downloaded) {
  {
    std::lock_guard lock(mutex_);
    auto it = blobs_.find(digest);
    if (it == blobs_.end() || it->second.handed_over) return;
    it->second.handed_over = true;
    ready_.emplace_back(digest, downloaded);
  }
  wake_.notify_all();
}

bool ImageAssembler::finish(std::string* error) {
  std::unique_lock lock(mutex_);
  finishing_ = true;
  wake_.notify_all();
  wake_.wait(lock, [&] { return (ready_.empty() && busy_ == 0) || !error_.empty(); });
  for (const auto& [digest, blob] : blobs_) {
    if (error_.empty() && !blob.handed_over) error_ = "blob " + digest + " never arrived";
  }
  if (error_.empty()) return true;
  *error = error_;
  return false;
}

void ImageAssembler::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
    if (stopping_ || !error_.empty()) return;
    auto [digest, downloaded] = ready_.front();
    ready_.pop_front();
    ++busy_;
    const Blob& blob = blobs_.at(digest);  // the map is fixed once started
    lock.unlock();
    std::string diff_id, error;
    bool ok = process(digest, blob, downloaded, &diff_id, &error);
    lock.lock();
    --busy_;
    if (!ok && error_.empty()) error_ = error;
    if (!diff_id.empty()) diff_ids_[digest] = diff_id;
    wake_.notify_all();
  }
}

bool ImageAssembler::process(const std::string& digest, const Blob& blob, bool downloaded,
                             std::string* diff_id, std::string* error) {
  const bool copy = archive_ != nullptr && !blob.in_archive;
  const bool hash = blob.is_layer && downloaded;
  if (!copy && !hash) return true;
  std::ifstream in;
  if (!blob.in_archive) {
    in.open(blob.path, std::ios::binary);
    if (!in) {
      *error = "cannot read " + blob.path.string();
      return false;
    }
  }
  DiffIdHasher hasher;
  std::vector<char> buffer(kChunk);
  std::int64_t done = 0;
  bool undecodable = false;  // hasher.finish() says why
  while (done < blob.size) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return true;
    }
    const auto want = static_cast<std::size_t>(std::min<std::int64_t>(blob.size - done, kChunk));
    std::size_t got = want;
    if (blob.in_archive) {
      if (!archive_->read_at(blob.archive_offset + done, buffer.data(), want, error)) return false;
    } else {
      in.read(buffer.data(), static_cast<std::streamsize>(want));
      got = static_cast<std::size_t>(in.gcount());
    }
    if (got == 0) break;
    if (copy && !archive_->write_at(blob.archive_offset + done, buffer.data(), got, error)) return false;
    if (hash && !hasher.update(buffer.data(), got)) {
      undecodable = true;
      break;
    }
    done += static_cast<std::int64_t>(got);
  }
  if (!undecodable && done < blob.size) {
    *error = blob.path.string() + " is shorter than its manifest says";
    return false;
  }
  if (hash && !hasher.finish(diff_id, error)) {
    *error = "layer " + digest + " does not decompress: " + *error;
    return false;
  }
  return true;
}

}  // namespace fetchpool::registry
