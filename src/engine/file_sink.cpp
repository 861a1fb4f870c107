#include "engine/file_sink.h"

#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

namespace fetchpool::engine {
namespace {

// A spilled body that has been written for this long is made resumable.
constexpr auto kPersistAfter = std::chrono::seconds(1);

void remove_quietly(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace

/// The blocks of a spilled body at the disk thread. Shared by the loop thread and the disk
/// thread, under `mutex`.
struct FileSink::WriteBehind {
  std::mutex mutex;
  std::condition_variable written;
  int in_flight = 0;
  bool failed = false;
  std::string error;  ///< The first block's error.
};

FileSink::FileSink(std::string final_path, std::int64_t memory_limit, std::string buffer, bool memory_only,
                   TaskThread* disk, BlockPool* blocks)
    : final_path_(std::move(final_path)),
      part_path_(final_path_ + ".part"),
      memory_limit_(memory_limit),
      memory_(std::move(buffer)),
      disk_(disk),
      blocks_(blocks),
      memory_only_(memory_only) {
  memory_.clear();
}

FileSink::~FileSink() {
  std::string ignored;
  wait_for_writes(&ignored);
}

namespace {

std::string too_large_message(std::int64_t limit) {
  return "the body is larger than the in-memory limit of " + std::to_string(limit) +
         " bytes: raise Request::memory_limit, or download it to a file";
}

}  // namespace

std::int64_t FileSink::find_resumable(const std::string& url, ResumeState* state) {
  std::int64_t on_disk = platform::file_size(part_path_);
  if (on_disk < 0) return 0;
  part_may_exist_ = true;
  ResumeState saved;
  bool usable = load_resume_state(state_path(), &saved) && saved.url == url && !saved.validator().empty() &&
                (saved.total < 0 || on_disk <= saved.total) &&
                (saved.ranges.empty() || (saved.total > 0 && on_disk == saved.total));
  if (!usable) {
    // A .part without a state we can trust: its bytes cannot be proven to be this version.
    remove_quietly(part_path_);
    remove_quietly(state_path());
    part_may_exist_ = false;
    return 0;
  }
  // After a crash the file may hold more than the state recorded, or (after power loss)
  // less; the file is what is there, the state only says which version it is.
  state_saved_ = true;
  *state = saved;
  if (!saved.ranges.empty()) return saved.ranges.front().begin == 0 ? saved.ranges.front().end : 0;
  // A body's blocks can reach the file out of order (the loop writes one itself while
  // earlier ones still wait at the disk thread), so after kill -9 the file may end past a
  // gap that was never written: continue from the gap, never over it.
  return platform::written_prefix(part_path_);
}

bool FileSink::begin(std::int64_t offset, const ResumeState& state, std::string* error) {
  start_clean();
  state_ = state;
  memory_.clear();
  pending_.clear();
  stored_ = offset;
  // The rest of the body's space is reserved here when the file is already open, and by
  // spill() when it is not (state_.total is -1 when the response gave no size).
  if (offset > 0) {
    if (!file_.open_at(part_path_, offset, error) || !file_.reserve(offset, state_.total - offset, error))
      return false;
    save_state();  // the response's validator, in case it was refreshed
    return true;
  }
  if (file_.is_open()) {  // a restart of a body already on disk
    if (!file_.truncate_all(error) || !file_.reserve(0, state_.total, error)) return false;
    if (state_saved_) save_state();
    return true;
  }
  if (part_may_exist_) {
    remove_quietly(part_path_);
    remove_quietly(state_path());
    part_may_exist_ = false;
    state_saved_ = false;
  }
  return true;
}

bool FileSink::begin_ranges(const ResumeState& state, bool keep_existing, std::string* error) {
  start_clean();
  state_ = state;
  memory_.clear();
  pending_.clear();
  stored_ = 0;
  if (keep_existing) {
    for (const ByteRange& range : state_.ranges) stored_ += range.size();
    if (!file_.is_open() && !file_.open_existing(part_path_, error)) return false;
    part_may_exist_ = true;
  } else {
    state_.ranges.clear();
    if (file_.is_open()) {
      if (!file_.truncate_all(error)) return false;
    } else {
      if (part_may_exist_) {
        remove_quietly(part_path_);
        remove_quietly(state_path());
        part_may_exist_ = state_saved_ = false;
      }
      bool unsupported = false;
      if (!file_.open_unnamed(part_path_, error, &unsupported)) {
        if (!unsupported || !file_.open_truncate(part_path_, error)) return false;
        part_may_exist_ = true;
      }
      spilled_at_ = std::chrono::steady_clock::now();
    }
  }
  if (!file_.resize(state_.total, error) || !file_.reserve(0, state_.total, error)) return false;
  if (!file_.is_unnamed()) save_state();
  return true;
}

bool FileSink::write_block_at(std::int64_t offset, std::string& block, std::string* error) {
  stored_ += static_cast<std::int64_t>(block.size());
  if (writes_behind()) return write_behind(offset, block, error);
  bool ok = file_.write_at(offset, block.data(), block.size(), error);
  block.clear();
  return ok;
}

void FileSink::note_ranges(std::vector<ByteRange> ranges) {
  state_.ranges = std::move(ranges);
  ranges_changed_ = true;
}

bool FileSink::hash_range(std::int64_t from, std::int64_t to, hash::Digest* digest, std::string* error) {
  if (!wait_for_writes(error)) return false;  // the bytes to read back may be among them
  std::vector<char> buffer(static_cast<std::size_t>(std::min<std::int64_t>(to - from, 1 << 20)));
  while (from < to) {
    auto step = static_cast<std::size_t>(std::min<std::int64_t>(to - from, buffer.size()));
    if (!file_.read_at(from, buffer.data(), step, error)) return false;
    digest->update(buffer.data(), step);
    from += static_cast<std::int64_t>(step);
  }
  return true;
}

bool FileSink::expect_size(std::int64_t size, std::string* error) {
  if (memory_only_ && size > memory_limit_) {
    too_large_ = true;
    *error = too_large_message(memory_limit_);
    return false;
  }
  if (size > 0 && size <= memory_limit_ && !file_.is_open()) memory_.reserve(static_cast<std::size_t>(size));
  return true;
}

std::string FileSink::take_buffer() {
  memory_.clear();
  return std::move(memory_);
}

bool FileSink::spill(std::string* error) {
  bool unsupported = false;
  if (!file_.open_unnamed(part_path_, error, &unsupported)) {
    if (!unsupported || !file_.open_truncate(part_path_, error)) return false;
    part_may_exist_ = true;
  }
  spilled_at_ = std::chrono::steady_clock::now();
  if (!file_.reserve(0, state_.total, error)) return false;
  if (writes_behind()) {  // what is in memory becomes the start of the first block
    pending_ = take_block();
    pending_.append(memory_);
    memory_.clear();
    return true;
  }
  bool ok = file_.write_all(memory_.data(), memory_.size(), error);
  memory_.clear();
  return ok;
}

void FileSink::maybe_persist(std::chrono::steady_clock::time_point now) {
  if (!file_.is_open()) return;
  if (!state_saved_) {
    if (now - spilled_at_ >= kPersistAfter) persist();
  } else if (ranges_changed_ && now - state_saved_at_ >= kPersistAfter) {
    save_state();  // a body over several connections: which ranges are there changes
  }
}

void FileSink::persist() {
  std::string ignored;
  flush(&ignored);  // what cannot be written is not on disk, and the file's size says so
  if (file_.is_unnamed()) {
    bool existed = false;
    if (!file_.link_as(part_path_, &ignored, &existed) && existed) {
      remove_quietly(part_path_);  // a stale one from an earlier run: this body is newer
      file_.link_as(part_path_, &ignored, &existed);
    }
    if (file_.is_unnamed()) return;  // could not name it: the body completes, just not resumably
    part_may_exist_ = true;
  }
  save_state();
}

void FileSink::save_state() {
  // The state names bytes as there (a split download's ranges): only once they are.
  std::string failed;
  if (!wait_for_writes(&failed)) return;
  state_.done = stored_;
  ranges_changed_ = false;
  state_saved_at_ = std::chrono::steady_clock::now();
  std::string ignored;  // without a state file the download still completes; it just cannot resume
  state_saved_ = save_resume_state(state_path(), state_, &ignored) || state_saved_;
}

bool FileSink::write(const char* data, std::size_t size, std::string* error) {
  if (!file_.is_open()) {
    if (static_cast<std::int64_t>(memory_.size() + size) <= memory_limit_) {
      memory_.append(data, size);
      stored_ += static_cast<std::int64_t>(size);
      return true;
    }
    if (memory_only_) {
      too_large_ = true;
      *error = too_large_message(memory_limit_);
      return false;
    }
    if (!spill(error)) return false;
  }
  if (pending_.capacity() < kWriteBlockBytes) pending_ = take_block();
  pending_.append(data, size);
  stored_ += static_cast<std::int64_t>(size);
  if (pending_.size() < kWriteBlockBytes) return true;
  if (!writes_behind()) return flush(error);
  return write_behind(stored_ - static_cast<std::int64_t>(pending_.size()), pending_, error);
}

bool FileSink::flush(std::string* error) {
  if (!wait_for_writes(error)) {
    release_pending();
    return false;
  }
  if (pending_.empty()) {
    release_pending();
    return true;
  }
  // At an offset, not the file position: blocks written behind do not move it.
  bool ok = file_.write_at(stored_ - static_cast<std::int64_t>(pending_.size()), pending_.data(),
                           pending_.size(), error);
  release_pending();
  return ok;
}

void FileSink::release_pending() {
  if (blocks_ == nullptr) {
    pending_.clear();
    return;
  }
  blocks_->keep(std::exchange(pending_, std::string()));
}

std::string FileSink::take_block() {
  if (blocks_) return blocks_->take();
  std::string block;
  block.reserve(kWriteBlockBytes);
  return block;
}

bool FileSink::write_behind(std::int64_t offset, std::string& block, std::string* error) {
  if (!blocks_->try_start_write()) {  // the disk thread has enough: this thread writes too
    bool ok = file_.write_at(offset, block.data(), block.size(), error);
    block.clear();
    return ok;
  }
  if (!behind_) behind_ = std::make_unique<WriteBehind>();
  {
    std::lock_guard lock(behind_->mutex);
    if (behind_->failed) {
      blocks_->end_write(std::move(block));
      *error = behind_->error;
      return false;
    }
    ++behind_->in_flight;
  }
  // The sink outlives the task: every path that closes, names or drops the file, and the
  // destructor, wait_for_writes() first.
  disk_->post([this, offset, data = std::move(block)]() mutable {
    std::string write_error;
    bool ok = file_.write_at(offset, data.data(), data.size(), &write_error);
    blocks_->end_write(std::move(data));
    std::lock_guard lock(behind_->mutex);
    if (!ok && !behind_->failed) {
      behind_->failed = true;
      behind_->error = std::move(write_error);
    }
    --behind_->in_flight;
    behind_->written.notify_all();
  });
  block = take_block();
  return true;
}

bool FileSink::wait_for_writes(std::string* error) {
  if (!behind_) return true;
  std::unique_lock lock(behind_->mutex);
  behind_->written.wait(lock, [this] { return behind_->in_flight == 0; });
  if (!behind_->failed) return true;
  *error = behind_->error;
  return false;
}

void FileSink::start_clean() {
  std::string ignored;
  wait_for_writes(&ignored);
  if (!behind_) return;
  std::lock_guard lock(behind_->mutex);
  behind_->failed = false;  // that failure ended the attempt before this one
}

bool FileSink::hash_prefix(std::int64_t length, hash::Digest* digest, std::string* error) {
  if (!flush(error)) return false;
  std::ifstream in(part_path_, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (length > 0 && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::int64_t>(length, buffer.size())));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    digest->update(buffer.data(), static_cast<std::size_t>(got));
    length -= got;
  }
  if (length != 0) {
    *error = "cannot read back '" + part_path_ + "' to continue its checksum";
    return false;
  }
  return true;
}

bool FileSink::commit(IfExists if_exists, std::string* error, bool* existed) {
  bool replace = if_exists == IfExists::overwrite;
  if (!flush(error)) {
    abandon();
    return false;
  }
  if (memory_only_) {
    body_ = std::make_shared<const std::string>(std::move(memory_));
    memory_ = std::string();
    return true;
  }
  if (!file_.is_open()) {
    bool ok = platform::create_file_atomically(final_path_, memory_.data(), memory_.size(), replace, error,
                                               existed);
    memory_.clear();
    return ok;
  }
  if (file_.is_unnamed()) {
    if (!replace) {
      bool ok = file_.link_as(final_path_, error, existed) && file_.close(error);
      if (!ok) abandon();
      return ok;
    }
    persist();  // replacing needs a name to rename from
  }
  if (!file_.close(error) || !platform::rename_file(part_path_, final_path_, replace, error, existed)) {
    abandon();
    return false;
  }
  if (state_saved_) remove_quietly(state_path());
  part_may_exist_ = state_saved_ = false;
  return true;
}

void FileSink::suspend() {
  memory_.clear();
  if (file_.is_open()) {
    persist();
    std::string ignored;
    file_.close(&ignored);  // an unnamed file that could not be named vanishes here
  }
}

void FileSink::abandon() {
  memory_.clear();
  release_pending();
  std::string ignored;
  wait_for_writes(&ignored);
  file_.close(&ignored);
  if (part_may_exist_ || state_saved_) {
    remove_quietly(part_path_);
    remove_quietly(state_path());
    part_may_exist_ = state_saved_ = false;
  }
}

}  // namespace fetchpool::engine
