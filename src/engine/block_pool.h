#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace fetchpool::engine {

/// Bytes of a body gathered before one write: libcurl hands over at most 16 KiB per
/// callback, and a write per callback was 146,000 system calls for a 2 GiB file.
inline constexpr std::size_t kWriteBlockBytes = 256 * 1024;

/// The blocks that bodies are gathered into and written from, shared by every file of an
/// engine: the loop thread fills them, the disk thread writes them and gives them back.
/// - Their buffers are reused. A 256 KiB allocation is above glibc's mmap threshold, so a
///   fresh one per block was an mmap, 64 page faults and an munmap each time, and on
///   1,000 files of 1 MiB cost more than writing behind saved.
/// - At most `max_in_flight` blocks wait at the disk thread at once, whichever files they
///   belong to. When that many are there, the loop writes the next block itself: both
///   threads then write, which is what keeps both cores busy when the page cache is slower
///   to fill than the network (measured: the disk thread 57% of samples, the loop 41%).
///   Not into a file the disk thread is writing: two writers of one inode only take turns
///   at its lock, so FileSink waits for one of that file's blocks instead.
class BlockPool {
 public:
  BlockPool(std::size_t max_in_flight, std::size_t max_kept)
      : max_in_flight_(max_in_flight), max_kept_(max_kept) {}

  /// An empty buffer with room for one block.
  std::string take() {
    std::string block;
    {
      std::lock_guard lock(mutex_);
      if (!kept_.empty()) {
        block = std::move(kept_.back());
        kept_.pop_back();
      }
    }
    block.reserve(kWriteBlockBytes);
    return block;
  }

  /// Whether a block may be handed to the disk thread now (then it counts as there);
  /// false when `max_in_flight` are there already.
  bool try_start_write() {
    std::lock_guard lock(mutex_);
    if (in_flight_ >= max_in_flight_) return false;
    ++in_flight_;
    return true;
  }

  /// The disk thread is done with a block: its buffer is kept for a later take().
  void end_write(std::string block) {
    std::lock_guard lock(mutex_);
    --in_flight_;
    keep_locked(std::move(block));
  }

  /// A block written by its own thread (or dropped): its buffer is kept for a later take().
  void keep(std::string block) {
    std::lock_guard lock(mutex_);
    keep_locked(std::move(block));
  }

 private:
  void keep_locked(std::string block) {
    block.clear();
    if (block.capacity() >= kWriteBlockBytes && kept_.size() < max_kept_) kept_.push_back(std::move(block));
  }

  const std::size_t max_in_flight_;
  const std::size_t max_kept_;
  std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::vector<std::string> kept_;
};

}  // namespace fetchpool::engine
