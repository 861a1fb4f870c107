#include "engine/file_sink.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

namespace fetchpool::engine {
namespace {

// A spilled body that has been written for this long is made resumable.
constexpr auto kPersistAfter = std::chrono::seconds(1);
/// How much of a body the loop takes in while its file is being created and given its room
/// on the disk thread (see FileSink::write()): 1 MiB is a few milliseconds of a fast link.
constexpr std::int64_t kFetchedWhileOpening = 1 << 20;

using platform::EntryType;

// NAME.part or its state is there and is someone else's.
std::string not_ours_message(const std::string& path, EntryType type) {
  const char* what = type == EntryType::symlink     ? "is a symbolic link, not a file fetchpool left"
                     : type == EntryType::directory ? "is a directory, not a file fetchpool left"
                                                    : "exists and was not left by fetchpool";
  return "'" + path + "' " + what + " for this URL: move it away or choose another name";
}

}  // namespace

/// The blocks of a spilled body at the disk thread. Shared by the loop thread and the disk
/// thread, under `mutex`.
struct FileSink::WriteBehind {
  std::mutex mutex;
  std::condition_variable written;
  int in_flight = 0;  ///< Blocks, and the file's opening, posted and not yet done.
  bool failed = false;
  bool shortage = false;  ///< The failure was for want of a file descriptor.
  std::string error;      ///< The first failure's message.

  /// The disk thread is done with one of them (the file's opening or a block).
  void finish(bool ok, std::string message, bool for_want_of_descriptor) {
    std::lock_guard lock(mutex);
    if (!ok && !failed) {
      failed = true;
      shortage = for_want_of_descriptor;
      error = std::move(message);
    }
    --in_flight;
    written.notify_all();
  }
  /// The failure, for the loop thread (under `mutex`, `failed` set): its message, and its
  /// descriptor shortage passed on to this thread's take_descriptor_shortage().
  void report(std::string* message) const {
    *message = error;
    if (shortage) platform::note_descriptor_shortage();
  }
};

FileSink::FileSink(std::string final_path, std::string root, const std::string& relative,
                   std::int64_t memory_limit, std::string buffer, bool memory_only, TaskThread* disk,
                   BlockPool* blocks)
    : final_path_(std::move(final_path)),
      part_path_(final_path_ + ".part"),
      root_(std::move(root)),
      memory_limit_(memory_limit),
      memory_(std::move(buffer)),
      disk_(disk),
      blocks_(blocks),
      memory_only_(memory_only) {
  memory_.clear();
  std::size_t slash = relative.rfind('/');
  if (slash != std::string::npos) subdir_ = relative.substr(0, slash);
  name_ = slash == std::string::npos ? relative : relative.substr(slash + 1);
  part_name_ = name_ + ".part";
  state_name_ = part_name_ + ".state";
}

std::string already_exists_message(const std::string& path) {
  return "'" + path + "' already exists: remove it, or choose to skip or overwrite existing files";
}

void FileSink::write_into_region(std::string file, std::int64_t offset, std::int64_t size) {
  region_file_ = std::move(file);
  region_offset_ = offset;
  region_size_ = size;
}

void FileSink::rename_final(std::string name, std::string final_path) {
  name_ = std::move(name);
  final_path_ = std::move(final_path);
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

bool FileSink::open_dir(bool create, platform::Directory* dir, std::string* error, bool* missing) const {
  bool ignored = false;
  if (!missing) missing = &ignored;
  platform::Directory root;
  if (!platform::open_directory(root_, create, &root, error, missing)) return false;
  if (subdir_.empty()) {
    *dir = std::move(root);
    return true;
  }
  return platform::open_beneath(root, subdir_, create, dir, error, missing);
}

void FileSink::drop_ours(const platform::Directory* dir) {
  platform::Directory opened;
  std::string ignored;
  if ((part_ours_ || state_saved_) && (dir != nullptr || open_dir(false, &opened, &ignored))) {
    if (dir == nullptr) dir = &opened;
    if (part_ours_) platform::remove_file(*dir, part_name_);
    if (state_saved_) platform::remove_file(*dir, state_name_);
  }
  part_ours_ = state_saved_ = false;
}

bool FileSink::check_final(IfExists if_exists, bool* exists, std::string* error) {
  *exists = false;
  if (in_region()) return true;  // the body never gets a name of its own
  platform::Directory dir;
  bool missing = false;
  if (!open_dir(false, &dir, error, &missing)) return missing;
  switch (platform::entry_type(dir, name_)) {
    case EntryType::missing: return true;
    case EntryType::file: *exists = true; return true;
    case EntryType::directory:
      *error = "'" + final_path_ + "' is a directory: choose another name for the download, or move it away";
      return false;
    case EntryType::symlink:
      // A link to a file is that file, there (skipped, or kept, as any); a download only
      // ever replaces the link itself, never writes through it.
      if (platform::target_type(dir, name_) == EntryType::file) {
        *exists = true;
        return true;
      }
      if (if_exists == IfExists::overwrite) return true;
      *error = "'" + final_path_ +
               "' is a symbolic link that leads to no file: remove it, or choose to overwrite existing files "
               "(which replaces the link)";
      return false;
    case EntryType::other: break;
  }
  *error =
      "'" + final_path_ + "' is not a regular file: choose another name for the download, or move it away";
  return false;
}

std::int64_t FileSink::find_resumable(const std::string& url, const std::string& digest, bool resume,
                                      ResumeState* state, std::string* error) {
  if (in_region()) return find_resumable_in_region(url, digest, resume, state, error);
  platform::Directory dir;
  bool missing = false;
  if (!open_dir(false, &dir, error, &missing)) return missing ? 0 : -1;
  std::int64_t on_disk = -1;
  const EntryType part = platform::entry_type(dir, part_name_, &on_disk);
  const EntryType state_entry = platform::entry_type(dir, state_name_);
  if (part == EntryType::missing && state_entry == EntryType::missing) return 0;
  // Only a state file naming this URL (or this content's digest) says these are
  // fetchpool's, from this download:
  // anything else at NAME.part or NAME.part.state is someone's file (maybe one they
  // downloaded under that very name), never to be removed or written over.
  ResumeState saved;
  // This sink's own NAME.part of an earlier attempt is ours too, even when its state could
  // not be written (a full disk, a name too long for the state's): it is replaced below.
  const bool ours = (state_entry == EntryType::file && load_resume_state(dir, state_name_, &saved) &&
                     (saved.url == url || (!digest.empty() && saved.digest == digest))) ||
                    (part_ours_ && part == EntryType::file && state_entry == EntryType::missing);
  if (!ours || (part != EntryType::missing && part != EntryType::file)) {
    *error = part != EntryType::missing ? not_ours_message(part_path_, part)
                                        : not_ours_message(state_path(), state_entry);
    return -1;
  }
  part_ours_ = part == EntryType::file;
  state_saved_ = true;
  bool usable = resume && part == EntryType::file && !saved.validator().empty() &&
                (saved.total < 0 || on_disk <= saved.total) &&
                (saved.ranges.empty() || (saved.total > 0 && on_disk == saved.total));
  if (!usable) {
    // Ours, but its bytes cannot be proven to be this version (or --no-continue).
    drop_ours(&dir);
    return 0;
  }
  // After a crash the file may hold more than the state recorded, or (after power loss)
  // less; the file is what is there, the state only says which version it is.
  *state = saved;
  if (!saved.ranges.empty()) return saved.ranges.front().begin == 0 ? saved.ranges.front().end : 0;
  // A body's blocks can reach the file out of order (the loop writes one itself while
  // earlier ones still wait at the disk thread), so after kill -9 the file may end past a
  // gap that was never written: continue from the gap, never over it.
  return std::max<std::int64_t>(0, platform::written_prefix(dir, part_name_));
}

std::int64_t FileSink::find_resumable_in_region(const std::string& url, const std::string& digest,
                                                bool resume, ResumeState* state, std::string* error) {
  platform::Directory dir;
  bool missing = false;
  if (!open_dir(false, &dir, error, &missing)) return missing ? 0 : -1;
  const EntryType entry = platform::entry_type(dir, state_name_);
  if (entry == EntryType::missing) return 0;
  ResumeState saved;
  if (entry != EntryType::file || !load_resume_state(dir, state_name_, &saved) ||
      !(saved.url == url || (!digest.empty() && saved.digest == digest))) {
    *error = not_ours_message(state_path(), entry);
    return -1;
  }
  state_saved_ = true;
  // The state names only bytes that were written (save_state() waits for them), and the
  // region is where they were written: no file size to compare, no gap to look for.
  const bool usable = resume && !saved.validator().empty() && saved.done >= 0 && saved.done <= region_size_ &&
                      (saved.ranges.empty() || saved.total == region_size_);
  if (!usable) {
    drop_ours(&dir);
    return 0;
  }
  *state = saved;
  if (!saved.ranges.empty()) return saved.ranges.front().begin == 0 ? saved.ranges.front().end : 0;
  return saved.done;
}

bool FileSink::open_region(std::string* error) {
  platform::Directory dir;  // where NAME.part.state goes
  return open_dir(true, &dir, error) && file_.open_region(region_file_, region_offset_, region_size_, error);
}

bool FileSink::create_named_part(const platform::Directory& dir, std::string* error) {
  // The state first: a NAME.part a crash leaves behind is then always found beside the
  // state that says it is ours, never mistaken for someone's file. Nothing is written to
  // the file yet, so there is nothing to wait for (and on the disk thread, no waiting).
  write_state(0);
  bool existed = false;
  if (file_.create_new(dir, part_name_, error, &existed)) {
    part_ours_ = true;
    return true;
  }
  if (existed) *error = not_ours_message(part_path_, platform::entry_type(dir, part_name_));
  if (state_saved_) platform::remove_file(dir, state_name_);
  state_saved_ = false;
  return false;
}

bool FileSink::begin(std::int64_t offset, const ResumeState& state, std::string* error) {
  start_clean();
  state_ = state;
  memory_.clear();
  pending_.clear();
  stored_ = offset;
  // The rest of the body's space is reserved here when the file is already open, and by
  // spill() when it is not (state_.total is -1 when the response gave no size).
  if (offset > 0 && in_region()) {
    if (!file_.is_open() && !open_region(error)) return false;
    save_state();
    return true;
  }
  if (offset > 0) {
    platform::Directory dir;
    if (!open_dir(false, &dir, error) || !file_.open_at(dir, part_name_, offset, error) ||
        !file_.reserve(offset, state_.total - offset, error))
      return false;
    save_state();  // the response's validator, in case it was refreshed
    return true;
  }
  if (file_.is_open()) {  // a restart of a body already on disk
    if (!file_.truncate_all(error) || !file_.reserve(0, state_.total, error)) return false;
    if (state_saved_) save_state();
    return true;
  }
  drop_ours(nullptr);
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
    if (!file_.is_open() && in_region()) {
      if (!open_region(error)) return false;
    } else if (!file_.is_open()) {
      platform::Directory dir;
      if (!open_dir(false, &dir, error) || !file_.open_existing(dir, part_name_, error)) return false;
    }
    part_ours_ = !in_region();  // a region has no NAME.part
  } else {
    state_.ranges.clear();
    if (file_.is_open()) {
      if (!file_.truncate_all(error)) return false;
    } else if (in_region()) {
      drop_ours(nullptr);
      if (!open_region(error)) return false;
      spilled_at_ = std::chrono::steady_clock::now();
    } else {
      platform::Directory dir;
      if (!open_dir(true, &dir, error)) return false;
      drop_ours(&dir);
      bool unsupported = false;
      if (!file_.open_unnamed(dir, name_, error, &unsupported) &&
          (!unsupported || !create_named_part(dir, error)))
        return false;
      spilled_at_ = std::chrono::steady_clock::now();
    }
  }
  if (!file_.resize(state_.total, error) || !file_.reserve(0, state_.total, error)) return false;
  if (!file_.is_unnamed()) save_state();
  return true;
}

bool FileSink::write_block_at(std::int64_t offset, std::string& block, std::string* error,
                              hash::Digest* digest) {
  stored_ += static_cast<std::int64_t>(block.size());
  if (writes_behind()) return write_behind(offset, block, error, digest, 0);
  if (digest) digest->update(block.data(), block.size());
  bool ok = file_.write_at(offset, block.data(), block.size(), error);
  block.clear();
  return ok;
}

void FileSink::note_ranges(std::vector<ByteRange> ranges) {
  state_.ranges = std::move(ranges);
  ranges_changed_ = true;
}

bool FileSink::hash_range(std::int64_t from, std::int64_t to, hash::Digest* digest, std::string* error) {
  if (from >= to) return true;
  if (!writes_behind()) return read_into_digest(from, to, digest, error);
  // After the blocks handed over before it, on the same thread: the bytes it reads back
  // are written by then, and the digest takes them in order with the blocks it hashes.
  // (On the loop thread, waiting for those writes first, this was most of a split pull's
  // loop time.)
  if (!behind_) behind_ = std::make_unique<WriteBehind>();
  {
    std::lock_guard lock(behind_->mutex);
    if (behind_->failed) {
      behind_->report(error);
      return false;
    }
    ++behind_->in_flight;
  }
  disk_->post([this, from, to, digest] {
    std::string read_error;
    bool ok = read_into_digest(from, to, digest, &read_error);
    behind_->finish(ok, std::move(read_error), false);
  });
  return true;
}

bool FileSink::read_into_digest(std::int64_t from, std::int64_t to, hash::Digest* digest,
                                std::string* error) {
  return file_.read_range(
      from, to, [digest](const char* data, std::size_t size) { digest->update(data, size); }, error);
}

bool FileSink::expect_size(std::int64_t size, std::string* error) {
  if (memory_only_ && size > memory_limit_) {
    too_large_ = true;
    *error = too_large_message(memory_limit_);
    return false;
  }
  if (size > 0 && size <= memory_limit_ && !on_disk()) memory_.reserve(static_cast<std::size_t>(size));
  return true;
}

std::string FileSink::take_buffer() {
  memory_.clear();
  return std::move(memory_);
}

bool FileSink::open_spill_file(std::string* error) {
  if (in_region()) return open_region(error);
  platform::Directory dir;
  if (!open_dir(true, &dir, error)) return false;
  bool unsupported = false;
  if (!file_.open_unnamed(dir, name_, error, &unsupported) &&
      (!unsupported || !create_named_part(dir, error)))
    return false;
  return file_.reserve(0, state_.total, error);
}

bool FileSink::spill(std::string* error) {
  spilled_at_ = std::chrono::steady_clock::now();
  spilled_bytes_ = stored_;
  if (!writes_behind()) {
    bool ok =
        open_spill_file(error) && (memory_.empty() || file_.write_all(memory_.data(), memory_.size(), error));
    memory_.clear();
    return ok;
  }
  // Creating the file is the disk thread's work, like writing it: on a long-lived ext4
  // an inode takes a scan past the recently deleted ones, which was 59% of the loop
  // thread's time on 1,000 x 1 MiB (docs/ENGINE.md). Until that task is done the loop
  // leaves file_ alone (on_disk() says where the body is); what is in memory becomes the
  // start of the first block, written after the file is there.
  if (!behind_) behind_ = std::make_unique<WriteBehind>();
  {
    std::lock_guard lock(behind_->mutex);
    ++behind_->in_flight;
  }
  opening_ = true;
  disk_->post([this] {
    std::string open_error;
    bool ok = open_spill_file(&open_error);
    behind_->finish(ok, std::move(open_error), !ok && platform::take_descriptor_shortage());
  });
  pending_ = take_block();
  pending_.append(memory_);
  memory_.clear();
  return true;
}

void FileSink::maybe_persist(std::chrono::steady_clock::time_point now) {
  if (opening_ && !writes_done()) return;  // file_ and its flags are the disk thread's until then
  if (!file_.is_open()) return;
  if (!state_saved_) {
    if (!never_persist_ && now - spilled_at_ >= kPersistAfter) persist();
  } else if (ranges_changed_ && now - state_saved_at_ >= kPersistAfter) {
    save_state();  // a body over several connections: which ranges are there changes
  }
}

void FileSink::persist() {
  std::string ignored;
  flush(&ignored);  // what cannot be written is not on disk, and the file's size says so
  if (never_persist_ && file_.is_unnamed()) return;
  if (!file_.is_unnamed()) {
    save_state();
    return;
  }
  // The state first, as in create_named_part(). Where NAME.part cannot be made (something
  // is there that is not ours: it stays), the body completes, just not resumably; and no
  // state of ours is written beside that file again, where it would claim it.
  platform::Directory dir;
  if (!open_dir(false, &dir, &ignored) || platform::entry_type(dir, part_name_) != EntryType::missing) {
    never_persist_ = true;
    return;
  }
  save_state();
  if (!state_saved_) return;
  bool existed = false;
  if (file_.link_as(dir, part_name_, &ignored, &existed)) {
    part_ours_ = true;
    return;
  }
  platform::remove_file(dir, state_name_);
  state_saved_ = false;
  never_persist_ = true;
}

void FileSink::save_state() {
  // The state names bytes as there (a split download's ranges): only once they are.
  std::string failed;
  if (!wait_for_writes(&failed)) return;
  write_state(stored_);
}

void FileSink::write_state(std::int64_t done) {
  state_.done = done;
  ranges_changed_ = false;
  state_saved_at_ = std::chrono::steady_clock::now();
  std::string ignored;  // without a state file the download still completes; it just cannot resume
  platform::Directory dir;
  if (!open_dir(false, &dir, &ignored)) return;
  // A NAME.part.state.tmp beside a state of ours is ours too (a crash between its write
  // and its rename); otherwise it is not known to be, and stays.
  state_saved_ = save_resume_state(dir, state_name_, state_, state_saved_, &ignored) || state_saved_;
}

bool FileSink::write(const char* data, std::size_t size, std::string* error) {
  if (!on_disk()) {
    if (static_cast<std::int64_t>(memory_.size() + size) <= memory_limit_) {
      memory_.append(data, size);
      stored_ += static_cast<std::int64_t>(size);
      if (digest_) {
        digest_->update(data, size);
        hashed_to_ = stored_;
      }
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
  // The file's opening reserves the body's room: a body the disk has no room for fails
  // before much of it is fetched, so the loop waits for that opening (once) when the body
  // has gone this far past it.
  if (opening_ && stored_ - spilled_bytes_ >= kFetchedWhileOpening && !wait_for_writes(error)) return false;
  if (pending_.size() < kWriteBlockBytes) return true;
  if (!writes_behind()) return flush(error);
  const std::int64_t offset = stored_ - static_cast<std::int64_t>(pending_.size());
  return write_behind(offset, pending_, error, digest_,
                      digest_ ? unhashed_start(offset, pending_.size()) : 0);
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
  const std::int64_t offset = stored_ - static_cast<std::int64_t>(pending_.size());
  if (digest_) {
    std::size_t from = unhashed_start(offset, pending_.size());
    digest_->update(pending_.data() + from, pending_.size() - from);
  }
  bool ok = file_.write_at(offset, pending_.data(), pending_.size(), error);
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

bool FileSink::write_behind(std::int64_t offset, std::string& block, std::string* error, hash::Digest* digest,
                            std::size_t unhashed) {
  if (!behind_) behind_ = std::make_unique<WriteBehind>();
  bool started = false;
  while (!(started = blocks_->try_start_write())) {  // the disk thread has enough
    std::unique_lock lock(behind_->mutex);
    if (behind_->in_flight == 0) {  // none of them is this file's: this thread writes too
      if (behind_->failed) break;   // reported below (the file may not even be open)
      lock.unlock();
      if (digest) digest->update(block.data() + unhashed, block.size() - unhashed);
      bool ok = file_.write_at(offset, block.data(), block.size(), error);
      block.clear();
      return ok;
    }
    // A second writer of this same file would only wait for the inode's lock, spinning
    // (rwsem_spin_on_owner was 11.6% of a 2 GiB download's samples): wait for one of the
    // disk thread's writes of it to finish instead, which frees a block.
    auto before = behind_->in_flight;
    behind_->written.wait(lock, [&] { return behind_->in_flight < before; });
  }
  {
    std::lock_guard lock(behind_->mutex);
    if (behind_->failed) {
      if (started)
        blocks_->end_write(std::move(block));
      else
        blocks_->keep(std::move(block));
      behind_->report(error);
      return false;
    }
    ++behind_->in_flight;
  }
  // The sink outlives the task: every path that closes, names or drops the file, and the
  // destructor, wait_for_writes() first.
  disk_->post([this, offset, data = std::move(block), digest, unhashed]() mutable {
    // In order: this file's blocks run on this thread, one after another.
    if (digest) digest->update(data.data() + unhashed, data.size() - unhashed);
    std::string write_error;
    bool ok = file_.write_at(offset, data.data(), data.size(), &write_error);
    blocks_->end_write(std::move(data));
    behind_->finish(ok, std::move(write_error), false);
  });
  block = take_block();
  return true;
}

bool FileSink::wait_for_writes(std::string* error) {
  if (!behind_) return true;
  std::unique_lock lock(behind_->mutex);
  behind_->written.wait(lock, [this] { return behind_->in_flight == 0; });
  if (!behind_->failed) {
    opening_ = false;  // the file is open now
    return true;
  }
  // A failed opening leaves opening_ set, so the body's next bytes still go to the
  // blocks, and the next block reports the failure.
  behind_->report(error);
  return false;
}

bool FileSink::writes_done() {
  if (!behind_) return true;
  std::lock_guard lock(behind_->mutex);
  return behind_->in_flight == 0;
}

void FileSink::start_clean() {
  std::string ignored;
  wait_for_writes(&ignored);
  stop_digest();
  opening_ = false;
  if (!behind_) return;
  std::lock_guard lock(behind_->mutex);
  behind_->failed = false;  // that failure ended the attempt before this one
  behind_->shortage = false;
}

void FileSink::verify_as_stored(hash::Digest* digest, std::string expected) {
  digest_ = digest;
  expected_digest_ = std::move(expected);
  hashed_to_ = stored_;
  digest_differed_ = false;
}

std::size_t FileSink::unhashed_start(std::int64_t offset, std::size_t size) {
  const std::int64_t end = offset + static_cast<std::int64_t>(size);
  const std::int64_t from = std::clamp(hashed_to_ - offset, std::int64_t{0}, static_cast<std::int64_t>(size));
  hashed_to_ = std::max(hashed_to_, end);
  return static_cast<std::size_t>(from);
}

bool FileSink::digest_matches(std::string* error) {
  if (!digest_) return true;
  const std::string actual = expected_digest_.substr(0, expected_digest_.find(':') + 1) + digest_->finish();
  digest_ = nullptr;
  if (actual == expected_digest_) return true;
  digest_differed_ = true;
  *error = hash::mismatch_detail(expected_digest_, actual);
  return false;
}

void FileSink::stop_digest() {
  digest_ = nullptr;
  hashed_to_ = 0;
  digest_differed_ = false;  // read by the loop before the body is suspended or dropped
}

bool FileSink::hash_prefix(std::int64_t length, hash::Digest* digest, std::string* error) {
  if (!flush(error)) return false;
  // From the open file: the name may since lead somewhere else.
  if (read_into_digest(0, length, digest, error)) return true;
  *error = "cannot read back '" + part_path_ + "' to continue its checksum: " + *error;
  return false;
}

bool FileSink::commit(IfExists if_exists, std::string* error, bool* existed) {
  bool replace = if_exists == IfExists::overwrite;
  if (!flush(error)) {
    abandon();
    return false;
  }
  if (!digest_matches(error)) return false;  // the verdict is the loop's: retry or fail
  if (memory_only_) {
    body_ = std::make_shared<const std::string>(std::move(memory_));
    memory_ = std::string();
    return true;
  }
  if (in_region()) {  // every byte is in its place: only a deferred write error is left to hear
    if (!file_.close(error)) {
      abandon();
      return false;
    }
    drop_ours(nullptr);  // the state: nothing is left to continue
    return true;
  }
  platform::Directory dir;
  if (!file_.is_open()) {
    bool ok =
        open_dir(true, &dir, error) &&
        platform::create_file_atomically(dir, name_, memory_.data(), memory_.size(), replace, error, existed);
    memory_.clear();
    return ok;
  }
  if (!open_dir(false, &dir, error)) {
    abandon();
    return false;
  }
  if (file_.is_unnamed()) {
    if (!replace) {
      bool ok = file_.link_as(dir, name_, error, existed) && file_.close(error);
      if (!ok) abandon();
      return ok;
    }
    // Replacing needs a name to rename from; never one that is someone else's.
    bool part_existed = false;
    if (!file_.link_as(dir, part_name_, error, &part_existed)) {
      if (part_existed) *error = not_ours_message(part_path_, platform::entry_type(dir, part_name_));
      abandon();
      return false;
    }
    part_ours_ = true;
  }
  if (!file_.close(error) || !platform::rename_file(dir, part_name_, name_, replace, error, existed)) {
    abandon();
    return false;
  }
  if (state_saved_) platform::remove_file(dir, state_name_);
  part_ours_ = state_saved_ = false;
  return true;
}

void FileSink::suspend() {
  memory_.clear();
  stop_digest();  // the blocks in flight hold their own pointer to it; persist() waits for them
  if (on_disk()) {
    persist();  // waits for the file's opening and blocks first
    std::string ignored;
    file_.close(&ignored);  // an unnamed file that could not be named vanishes here
    release_pending();
    opening_ = false;
  }
  // A NAME.part whose state could not be written (made at once where unnamed files are not
  // available) cannot be continued, having no validator, and a later run would take it for
  // someone's file and refuse the download: it goes too.
  if (part_ours_ && !state_saved_) drop_ours(nullptr);
}

void FileSink::abandon() {
  memory_.clear();
  release_pending();
  std::string ignored;
  wait_for_writes(&ignored);
  stop_digest();
  opening_ = false;
  file_.close(&ignored);
  drop_ours(nullptr);
}

}  // namespace fetchpool::engine
