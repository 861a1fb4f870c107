#pragma once

// A test-only seam in the platform layer: makes a chosen file operation fail with a chosen
// errno, for the failures a real filesystem will not produce on demand (a full disk at the
// commit, an I/O error on the state file). Production code never installs one; then every
// instrumented call pays one relaxed atomic load (per call, never per byte).
//
//   platform::FaultInjection faults;  // installed while it lives (one at a time)
//   faults.fail(platform::FileOp::write, ENOSPC);  // the next write fails: "No space left..."
//   ... drive the code under test ...
//   EXPECT_EQ(faults.calls(platform::FileOp::link), 1);
//
// An injected fault stands for the system call failing with that errno, before it runs:
// what the platform function then does (its message, its cleanup, an errno it tolerates,
// such as reserve() on a filesystem that cannot reserve) is its own real code.

#include <array>
#include <atomic>

namespace fetchpool::platform {

/// The operations of platform/file.h a fault can be injected into, by the system call
/// each stands for.
enum class FileOp {
  open_dir,  ///< open_directory(), open_beneath(): opening (or making) a directory
  create,    ///< OutputFile::create_new(), open_unnamed() (O_TMPFILE), open_truncate()
  open,      ///< OutputFile::open_at(), open_existing(): an existing file
  reserve,   ///< OutputFile::reserve(): fallocate
  resize,    ///< OutputFile::resize(), truncate_all(), open_at()'s cut: ftruncate
  write,     ///< OutputFile::write_all(), write_at(): one call, whatever its size
  read,      ///< OutputFile::read_at()
  close,     ///< OutputFile::close(): a write error reported late
  link,      ///< OutputFile::link_as(): an unnamed file given its name (a commit)
  rename,    ///< rename_file(): NAME.part to NAME (a commit)
  remove,    ///< remove_file()
  replace,   ///< replace_file_contents() (the resume state): the write of NAME.tmp
};
inline constexpr int kFileOpCount = static_cast<int>(FileOp::replace) + 1;

/// Installs itself while it lives (at most one at a time: a second throws
/// std::logic_error); counts every call of every FileOp, from any thread (a disk thread's
/// too), and fails the ones chosen with fail(). A call racing its destruction simply runs.
class FaultInjection {
 public:
  FaultInjection();
  ~FaultInjection();
  FaultInjection(const FaultInjection&) = delete;
  FaultInjection& operator=(const FaultInjection&) = delete;

  /// The `nth` call of `op` from now (1: the next one) fails with `error_code`, and so do
  /// the `times - 1` calls after it (`times` 0: every one from then on). Replaces any
  /// fault set before for `op`.
  void fail(FileOp op, int error_code, int nth = 1, int times = 1);
  /// No more faults for `op` (calls are still counted).
  void clear(FileOp op);
  /// Calls of `op` since this was installed, failed ones included.
  int calls(FileOp op) const;
  /// Calls of `op` that were made to fail.
  int failed(FileOp op) const;
  /// Calls of every op since this was installed.
  int total_calls() const;

 private:
  friend int injected_error_slow(FileOp op);
  struct Fault {
    int error_code = 0;
    int first = 0;  ///< calls_ value of the first call to fail (1-based); 0: none
    int last = 0;   ///< ... and of the last (0: no end)
  };
  // Guarded by a lock in fault_injection.cpp, which installing and removing take too.
  std::array<int, kFileOpCount> calls_{};
  std::array<int, kFileOpCount> failed_{};
  std::array<Fault, kFileOpCount> faults_{};
};

namespace detail {
extern std::atomic<FaultInjection*> installed_faults;
}  // namespace detail

int injected_error_slow(FileOp op);

/// For the platform implementation, once per call of `op`: 0, or the errno a test wants
/// that call to fail with.
inline int injected_error(FileOp op) {
  if (detail::installed_faults.load(std::memory_order_relaxed) == nullptr) return 0;
  return injected_error_slow(op);
}

}  // namespace fetchpool::platform
