#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/block_pool.h"
#include "engine/resume_state.h"
#include "engine/task_thread.h"
#include "fetchpool/options.h"
#include "hash/digest.h"
#include "platform/file.h"

namespace fetchpool::engine {

/// Where a transfer's body goes, across all its attempts. The final name only ever appears
/// with the complete body behind it, by commit(). Durable resume state is paid for only by
/// transfers that last long enough to need it:
/// - A body that fits in `memory_limit` bytes is held in memory and written at commit in one
///   atomic step (platform::create_file_atomically): no `.part` file, no rename, no state.
/// - A larger body spills to a file with no name yet (O_TMPFILE; missing directories are
///   created), which commit links to NAME.
/// - Once that file has been written to for a second (maybe_persist), or when the attempt
///   ends early (suspend), it is named `NAME.part`, with `NAME.part.state` (ResumeState)
///   beside it, so a retry, or the next run after kill -9, continues from it; commit then
///   renames it to NAME. Where unnamed files are not available, the spill goes to
///   NAME.part directly. With a disk thread, a spilled body's 256 KiB blocks (a split
///   download's too) are written there while the loop receives the next ones (BlockPool
///   bounds how many wait; past that the calling thread writes), and commit() may run
///   there too, after them; the state file only ever names bytes that are written.
/// - When the response gives the size, a body on disk has its space reserved first
///   (OutputFile::reserve): no room fails it before its bytes are fetched.
/// With `memory_only` (Request::to_memory) the body never leaves memory: more than
/// `memory_limit` bytes is an error (too_large()), and commit() hands it to take_body().
/// With write_into_region() (Request::into_region) the body goes straight into its region
/// of an existing file: no NAME, no NAME.part; NAME.part.state says how much of the region
/// holds the body, so a retry or a later run continues; commit() only checks and closes.
///
/// Every name is made beneath `root` (opened as given: the user's choice), through the
/// directories of `relative` without following a symbolic link, so nothing a list, a
/// server or a state file supplies can lead a write elsewhere. NAME.part and
/// NAME.part.state are only ever removed, continued or replaced when a state file naming
/// this download's URL says they are fetchpool's; anything else at those names is
/// someone's file, and the download fails rather than touch it.
/// "'PATH' already exists: ...": why a transfer under IfExists::fail ends.
std::string already_exists_message(const std::string& path);

class FileSink {
 public:
  /// `final_path` is how messages name the file; it is `relative` ("sub/NAME") beneath
  /// the directory `root`. `buffer` is storage to reuse for the in-memory body (its
  /// contents are discarded). With `disk`, a spilled body's blocks are written there
  /// while the next ones arrive.
  FileSink(std::string final_path, std::string root, const std::string& relative, std::int64_t memory_limit,
           std::string buffer = {}, bool memory_only = false, TaskThread* disk = nullptr,
           BlockPool* blocks = nullptr);
  /// Waits for blocks still being written (they write into this sink's file).
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  const std::string& final_path() const { return final_path_; }
  /// Where this sink's disk work runs (null: on the calling thread).
  TaskThread* disk_thread() const { return disk_; }
  const std::string& part_path() const { return part_path_; }
  std::string state_path() const { return part_path_ + ".state"; }

  /// Request::into_region: the body goes into bytes [offset, offset + size) of `file`
  /// (existing), not a file of its own. Only before the body's first byte; construct the
  /// sink with a `memory_limit` of 0, since the region is where every byte goes.
  void write_into_region(std::string file, std::int64_t offset, std::int64_t size);
  bool in_region() const { return region_size_ >= 0; }

  /// Request::name_from_server: commit() puts the body under `name` (one component, in the
  /// same directory), which messages call `final_path`; NAME.part and its state keep the
  /// name given first, so that a later run finds them. Only before the body's first byte.
  void rename_final(std::string name, std::string final_path);

  /// Looks at the final name before a download starts. False (with `error`) when what is
  /// there can never be the file: a directory, a link to no file (unless `if_exists` is
  /// overwrite, which replaces the link itself), anything but a regular file, or a
  /// directory on the way that is a link. `*exists` when a file (or a link to one) is there.
  bool check_final(IfExists if_exists, bool* exists, std::string* error);

  /// Bytes of `url` that an earlier attempt or run left in NAME.part and that can be
  /// continued (a state file for the same URL, or for the same `digest` when that is not
  /// empty; a validator; at least as many bytes on disk),
  /// with that state: the bytes from offset 0 up to the first gap never written (after
  /// kill -9, blocks written out of order can leave one). For a body that was fetched over
  /// several connections, up to the first gap in `state->ranges`, which says which others
  /// are there. 0 when there is nothing usable (or `resume` is false); an unusable .part
  /// and state of this URL are deleted. -1 (with `error`) when NAME.part or its state is
  /// there but not left by fetchpool for this URL (or digest): it is not touched.
  std::int64_t find_resumable(const std::string& url, const std::string& digest, bool resume,
                              ResumeState* state, std::string* error);

  /// A response starts delivering the body at `offset`: 0 drops anything stored; otherwise
  /// NAME.part (holding at least `offset` bytes) is continued. `state` describes the
  /// response, for the state file.
  bool begin(std::int64_t offset, const ResumeState& state, std::string* error);
  /// A body fetched over several connections starts: NAME.part gets the full size
  /// (`state.total`) and each connection writes its range with write_at(). With
  /// `keep_existing`, the bytes of NAME.part in `state.ranges` are kept (a resume);
  /// otherwise anything stored is dropped.
  bool begin_ranges(const ResumeState& state, bool keep_existing, std::string* error);
  /// Writes a gathered block of a body begun with begin_ranges() at `offset`. Takes
  /// `block`'s bytes and leaves it empty (maybe with another block's storage, for reuse).
  /// With a disk thread, written behind: the error of a failed block comes with a later call.
  /// With `digest` (the block is next in its order), its bytes are fed to it first, there.
  bool write_block_at(std::int64_t offset, std::string& block, std::string* error,
                      hash::Digest* digest = nullptr);
  /// The ranges on disk now, for the state file (saved at most once a second, and by
  /// suspend()).
  void note_ranges(std::vector<ByteRange> ranges);
  /// Feeds bytes [from, to) of a body begun with begin_ranges() to `digest`, read back once
  /// every block handed over before is written: with a disk thread, there, after them and
  /// in order with the blocks write_block_at() hashes (the error of a failed read comes with
  /// a later call, and the digest is final only once wait_for_writes() or commit() has
  /// waited for it); without one, here.
  bool hash_range(std::int64_t from, std::int64_t to, hash::Digest* digest, std::string* error);
  /// The body's size, when the response says: lets a small body be stored without regrowth.
  /// False (with `error`) when it cannot be held: memory_only and over the limit.
  bool expect_size(std::int64_t size, std::string* error);
  /// Appends the next bytes of the body (gathered into large writes once on disk).
  bool write(const char* data, std::size_t size, std::string* error);
  /// Makes a body that has been on disk for a while resumable (NAME.part + state). Called
  /// by the loop's timer; cheap when there is nothing to do.
  void maybe_persist(std::chrono::steady_clock::time_point now);
  /// Feeds the first `length` bytes stored on disk to `digest` (after a resume).
  bool hash_prefix(std::int64_t length, hash::Digest* digest, std::string* error);
  /// The bytes stored from now on go into `digest` in order (those before are the
  /// caller's), and commit() names the body only if it comes to `expected` ("algo:hex").
  /// Blocks written behind are hashed on the disk thread, beside the loop's receiving
  /// (on 1,000 x 1 MiB the loop thread spent most of its time in SHA-256), so the verdict
  /// is commit()'s: see digest_differed(). `digest` must outlive the attempt.
  void verify_as_stored(hash::Digest* digest, std::string expected);
  /// Whether verify_as_stored() applies to this attempt.
  bool verifies_digest() const { return digest_ != nullptr; }
  /// The last commit() failed because the bytes are not the expected digest's; its error
  /// is "expected A, got B", and the body is left as it was (suspend() or abandon() it).
  bool digest_differed() const { return digest_differed_; }

  /// Puts the complete body under the final name, replacing an existing file only with
  /// IfExists::overwrite. When the name turned out to exist, sets `*existed`. A commit that
  /// fails drops the body as abandon() does (NAME.part and its state too); whatever is at
  /// the final name stays as it was, and a link there is never written through.
  bool commit(IfExists if_exists, std::string* error, bool* existed);
  /// The attempt ended early: what is on disk stays, with its state, for a later resume.
  /// A NAME.part whose state could not be written is removed (it could not be resumed).
  void suspend();
  /// Drops the body: memory, NAME.part and its state.
  void abandon();

  /// memory_only: the body was larger than the limit.
  bool too_large() const { return too_large_; }
  /// memory_only: the complete body, after commit().
  std::shared_ptr<const std::string> take_body() { return std::move(body_); }

  /// Bytes stored so far (memory or disk).
  std::int64_t stored() const { return stored_; }
  /// Gives back the in-memory buffer's storage for another sink (empty, capacity kept).
  std::string take_buffer();

 private:
  /// Moves the body from memory to a file: on the disk thread when there is one
  /// (open_spill_file() as its first task), else here.
  bool spill(std::string* error);
  /// Creates the file a spilled body goes to (unnamed where possible) and reserves its size;
  /// for a region, opens the region.
  bool open_spill_file(std::string* error);
  /// Opens the body's region (making the directory its state goes in).
  bool open_region(std::string* error);
  /// find_resumable() for a region: its state says how much of it holds the body.
  std::int64_t find_resumable_in_region(const std::string& url, const std::string& digest, bool resume,
                                        ResumeState* state, std::string* error);
  /// Whether the body is in a file, or will be once the disk thread has created it.
  bool on_disk() const { return opening_ || file_.is_open(); }
  /// Whether nothing of this file is at the disk thread now (never waits).
  bool writes_done();
  /// Writes the gathered bytes of a spilled body; afterwards everything stored is in the
  /// file (blocks written behind included), or false with the first error.
  bool flush(std::string* error);
  /// Whether blocks go to the disk thread (the engine has one).
  bool writes_behind() const { return disk_ != nullptr && blocks_ != nullptr; }
  /// An empty buffer for the next block, from the engine's pool when there is one.
  std::string take_block();
  /// Drops the gathered bytes; their buffer goes back to the pool.
  void release_pending();
  /// Hands `block` (taken; left empty, maybe with a spare's storage) to the disk thread, to
  /// be written at `offset` (its bytes from `unhashed` on fed to `digest` first, when
  /// given); false with the error of an earlier block when one failed.
  bool write_behind(std::int64_t offset, std::string& block, std::string* error, hash::Digest* digest,
                    std::size_t unhashed);
  /// Reads bytes [from, to) back from the file into `digest`.
  bool read_into_digest(std::int64_t from, std::int64_t to, hash::Digest* digest, std::string* error);
  /// Waits until no block is being written; false with the first write error, which stays
  /// until start_clean().
  bool wait_for_writes(std::string* error);
  /// A new attempt: no block in flight, no failure from the last one.
  void start_clean();
  struct WriteBehind;
  void persist();
  /// Waits for the blocks in flight, then saves the state naming what is stored.
  void save_state();
  /// Saves the state, naming `done` bytes; never waits (the disk thread calls it too).
  void write_state(std::int64_t done);
  /// Opens the directory NAME goes in (beneath root_, never through a link); with
  /// `create`, making what is missing. `*missing` when it is not there.
  bool open_dir(bool create, platform::Directory* dir, std::string* error, bool* missing = nullptr) const;
  /// Creates NAME.part where unnamed files are not available, its state first.
  bool create_named_part(const platform::Directory& dir, std::string* error);
  /// Removes NAME.part and its state, those of them that are ours.
  void drop_ours(const platform::Directory* dir);
  /// The part of `block` (stored at `offset`) not yet in digest_, from where the digest stands.
  std::size_t unhashed_start(std::int64_t offset, std::size_t size);
  /// After flush(): whether the stored bytes are the expected digest's (else *error says).
  bool digest_matches(std::string* error);
  /// Stops feeding a digest (an attempt ends; every block is written).
  void stop_digest();

  std::string final_path_;
  std::string part_path_;
  std::string root_;        ///< The directory names are made beneath, as given.
  std::string subdir_;      ///< The directories between root_ and NAME; may be empty.
  std::string name_;        ///< NAME itself.
  std::string part_name_;   ///< NAME.part
  std::string state_name_;  ///< NAME.part.state
  std::int64_t memory_limit_;
  std::string region_file_;         ///< write_into_region(): the file holding the region.
  std::int64_t region_offset_ = 0;  ///< Where the region starts in it.
  std::int64_t region_size_ = -1;   ///< Its size; -1: the body has a file of its own.
  std::string memory_;              ///< The body while it is small.
  platform::OutputFile file_;       ///< NAME.part once it is not.
  std::string pending_;             ///< Bytes for file_ not yet written (at most kWriteBlock).
  TaskThread* disk_ = nullptr;
  BlockPool* blocks_ = nullptr;
  std::unique_ptr<WriteBehind> behind_;  ///< Blocks at the disk thread; made by the first.
  ResumeState state_;
  std::int64_t stored_ = 0;
  bool part_ours_ = false;    ///< NAME.part, when there, is this download's (seen with its state, or made).
  bool state_saved_ = false;  ///< NAME.part.state is on disk for this body (ours).
  bool ranges_changed_ = false;  ///< note_ranges() since the state was last saved.
  bool never_persist_ = false;   ///< NAME.part is someone else's: the body stays unnamed.
  bool memory_only_ = false;
  bool too_large_ = false;
  /// The file's creation is posted to the disk thread and not yet seen done; meanwhile
  /// file_, part_ours_, state_saved_ and never_persist_ are that thread's.
  bool opening_ = false;
  std::shared_ptr<const std::string> body_;
  std::chrono::steady_clock::time_point spilled_at_{};
  std::int64_t spilled_bytes_ = 0;  ///< stored_ when the body went to a file.
  hash::Digest* digest_ = nullptr;  ///< verify_as_stored(): the disk thread's while blocks are there.
  std::string expected_digest_;
  std::int64_t hashed_to_ = 0;  ///< Bytes [0, hashed_to_) are in digest_, or posted to be.
  bool digest_differed_ = false;
  std::chrono::steady_clock::time_point state_saved_at_{};
};

}  // namespace fetchpool::engine
