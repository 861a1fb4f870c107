#pragma once

// The platform seam for output files: everything the engine does to a file that
// std::filesystem cannot express (raw descriptors, no-clobber rename, names resolved
// beneath a directory without following symbolic links).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace fetchpool::platform {

/// A directory held open, so that names made in it stay in it whatever later happens to
/// the path that led there. Move-only; closes on destruction.
class Directory {
 public:
  Directory() = default;
  ~Directory();
  Directory(Directory&& other) noexcept;
  Directory& operator=(Directory&& other) noexcept;
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  /// The directory's path as a person reads it ("out/sub").
  const std::string& path() const { return path_; }
  /// How messages name `name` in it ("out/sub/NAME").
  std::string display(const std::string& name) const;

 private:
  friend bool open_directory(const std::string&, bool, Directory*, std::string*, bool*);
  friend bool open_beneath(const Directory&, const std::string&, bool, Directory*, std::string*, bool*);
  int fd_ = -1;
  std::string path_;
};

/// Opens the directory `path` as given, following symbolic links: a path the user chose
/// (such as -d). With `create`, missing directories are made. False with `error` set on
/// failure; `*missing` set when it does not exist (and `create` is false).
bool open_directory(const std::string& path, bool create, Directory* out, std::string* error, bool* missing);

/// Opens `relative` ("a/b"; no "..") beneath `base`, never through a symbolic link, so a
/// name a list or a server supplied cannot lead out of `base`: Linux openat2() with
/// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else one
/// openat(O_NOFOLLOW) per component. With `create`, missing directories are made. False
/// with `error` naming the component that is a link or not a directory; `*missing` set
/// when one does not exist (and `create` is false).
bool open_beneath(const Directory& base, const std::string& relative, bool create, Directory* out,
                  std::string* error, bool* missing);

/// What is at a name in a directory, the name itself (a link is not followed).
enum class EntryType { missing, file, directory, symlink, other };
/// `*size` (when given) is set for a file.
EntryType entry_type(const Directory& dir, const std::string& name, std::int64_t* size = nullptr);
/// What a symbolic link at `name` leads to (followed); entry_type() for anything else.
EntryType target_type(const Directory& dir, const std::string& name);

/// Removes the file `name` (a link itself, never what it points to); quiet on failure.
void remove_file(const Directory& dir, const std::string& name);

/// Reads the regular file `name` (not through a link), at most `limit` bytes; false when
/// it is missing, not a regular file or larger.
bool read_small_file(const Directory& dir, const std::string& name, std::size_t limit, std::string* text);

/// Replaces `name` with a file holding `data`, through `name`.tmp and a rename, so a
/// crash leaves the old contents or the new, never a torn file. A `name`.tmp already
/// there is not replaced (it is not known to be ours) unless `temp_is_ours`.
bool replace_file_contents(const Directory& dir, const std::string& name, const std::string& data,
                           bool temp_is_ours, std::string* error);

/// A file opened for writing. Move-only; closes on destruction.
class OutputFile {
 public:
  OutputFile() = default;
  ~OutputFile();
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// Creates or truncates `path` (UTF-8), creating missing directories. On failure returns
  /// false with `error` set.
  bool open_truncate(const std::string& path, std::string* error);
  /// Creates `name` in `dir`, failing (`*existed` set) when anything is at that name, a
  /// symbolic link too: never truncates or writes through what is there.
  bool create_new(const Directory& dir, const std::string& name, std::string* error, bool* existed);
  /// Opens the regular file `name` in `dir` (never through a link) for writing without
  /// truncating it, positioned at `offset` after cutting off anything beyond it (to
  /// continue a partial file).
  bool open_at(const Directory& dir, const std::string& name, std::int64_t offset, std::string* error);
  /// Opens the regular file `name` in `dir` (never through a link) for reading and
  /// writing as it is (created empty when missing), for writes at offsets.
  bool open_existing(const Directory& dir, const std::string& name, std::string* error);
  /// Opens bytes [offset, offset + size) of the existing regular file `path` (UTF-8) for
  /// reading and writing as a file of their own: write_at() and read_at() offsets count from
  /// `offset`, and neither reaches past `size` bytes (an error naming the region). The file
  /// is never created, truncated, resized or reserved; the bytes around the region are
  /// never touched. False (with `error`) when it is missing, not a regular file, or shorter
  /// than the region's end.
  bool open_region(const std::string& path, std::int64_t offset, std::int64_t size, std::string* error);
  /// Whether this is a region of a larger file (open_region()).
  bool is_region() const { return limit_ >= 0; }
  /// Cuts the file to zero bytes and writes from the start again.
  bool truncate_all(std::string* error);
  /// Creates a file with no name in the directory of `intended_path` (created when missing);
  /// it vanishes when closed unless link_as() names it. Messages name `intended_path`.
  /// Linux (O_TMPFILE) only: elsewhere, or on a filesystem without it, returns false with
  /// `*unsupported` set.
  bool open_unnamed(const std::string& intended_path, std::string* error, bool* unsupported);
  /// The same in a directory held open.
  bool open_unnamed(const Directory& dir, const std::string& intended_name, std::string* error,
                    bool* unsupported);
  bool is_unnamed() const { return unnamed_; }
  /// Gives the unnamed file the name `path`, never replacing an existing file (then
  /// `*existed` is set). Afterwards the file is named; it stays open.
  bool link_as(const std::string& path, std::string* error, bool* existed);
  /// The same, as `name` in `dir` (a link already at `name` counts as existing).
  bool link_as(const Directory& dir, const std::string& name, std::string* error, bool* existed);
  bool is_open() const { return fd_ >= 0; }
  /// Writes all of `data` at the current end; false with `error` set on failure. Not for a
  /// region (there is no current end to write at): use write_at().
  bool write_all(const char* data, std::size_t size, std::string* error);
  /// Sets the file's size: longer reads as zeros (a sparse hole where the filesystem can).
  bool resize(std::int64_t size, std::string* error);
  /// Allocates disk space for bytes [offset, offset + length) without changing the file's
  /// size, so a body whose size is known fails at once on a disk without room for it
  /// rather than part way through, and its blocks are found already allocated as they are
  /// written. False (with `error`) only when there is no room (ENOSPC, EDQUOT, EFBIG);
  /// where the filesystem or platform cannot reserve, true and nothing is done.
  bool reserve(std::int64_t offset, std::int64_t length, std::string* error);
  /// Writes all of `data` at `offset`, leaving the current position alone.
  bool write_at(std::int64_t offset, const char* data, std::size_t size, std::string* error);
  /// Reads exactly `size` bytes at `offset`; false (with `error`) on failure or a short file.
  bool read_at(std::int64_t offset, char* data, std::size_t size, std::string* error);
  /// Reads bytes [from, to) with read_at(), a piece of at most 1 MiB at a time, handing
  /// each to `take` in order (to a digest, say); false (with `error`) at the first that
  /// cannot be read.
  bool read_range(std::int64_t from, std::int64_t to,
                  const std::function<void(const char*, std::size_t)>& take, std::string* error);
  /// Closes, reporting any deferred write error.
  bool close(std::string* error);

 private:
  void take(int fd, std::string path, bool unnamed);
  bool link_at(int dir_fd, const std::string& name, const std::string& display, std::string* error,
               bool* existed);

  /// A region's bounds, checked before every write_at() and read_at().
  bool within_region(std::int64_t offset, std::size_t size, std::string* error) const;

  int fd_ = -1;
  std::string path_;
  bool unnamed_ = false;
  std::int64_t base_ = 0;    ///< open_region(): where the region starts in the file.
  std::int64_t limit_ = -1;  ///< open_region(): its size; -1 for a whole file.
};

/// Renames `from` to `to`. With `replace` false it fails, leaving `to` as it was, when `to`
/// exists (`*existed` set true). Atomic where the platform allows.
bool rename_file(const std::string& from, const std::string& to, bool replace, std::string* error,
                 bool* existed);

/// rename_file() within `dir`: `from` and `to` are names in it. A link at `to` is itself
/// replaced (with `replace`), never written through.
bool rename_file(const Directory& dir, const std::string& from, const std::string& to, bool replace,
                 std::string* error, bool* existed);

/// Creates `path` holding exactly `data`, atomically: the name appears only with all the
/// bytes behind it. With `replace` false an existing `path` is kept and the call fails with
/// `*existed` set. Missing directories are created. Linux: an unnamed O_TMPFILE inode linked
/// into place (one directory entry, no rename); elsewhere PATH.part + rename.
bool create_file_atomically(const std::string& path, const char* data, std::size_t size, bool replace,
                            std::string* error, bool* existed);

/// create_file_atomically() as `name` in `dir`. Where it goes through `name`.part, a file
/// already there is never replaced: the call fails, naming it.
bool create_file_atomically(const Directory& dir, const std::string& name, const char* data, std::size_t size,
                            bool replace, std::string* error, bool* existed);

/// How many bytes of the regular file `name` in `dir` (never through a link), from its
/// start, were ever written: its size, or less where a gap that was never written (a hole)
/// comes first. Where the filesystem cannot tell (no SEEK_HOLE), its size. -1 when it does
/// not exist.
std::int64_t written_prefix(const Directory& dir, const std::string& name);

/// The directory `path` is in; "." for a bare name.
std::string parent_directory(const std::string& path);

/// A sentence for an errno value in the context of `what` on `path`, with advice for the
/// cases a person can act on (disk full, permission denied).
/// Every failure a function here reports goes through it.
std::string describe_file_error(int error_code, const char* what, const std::string& path);

/// Whether the last failure reported on this thread (as errno is kept per thread) was a
/// shortage of file descriptors (EMFILE, ENFILE): a failure that passes once others are
/// closed, unlike a full disk or a refused permission. Reading it forgets it.
bool take_descriptor_shortage();
/// Makes the next take_descriptor_shortage() on this thread true: a shortage met by work
/// done for this thread on another one (a file created on the disk thread).
void note_descriptor_shortage();

}  // namespace fetchpool::platform
