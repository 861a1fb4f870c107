#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "platform/fault_injection.h"
#include "platform/file.h"

namespace fetchpool::platform {
namespace {

// True, with errno set, when a test chose to make this call of `op` fail
// (platform/fault_injection.h): the system call it stands for is then not made.
bool faulted(FileOp op) {
  const int error_code = injected_error(op);
  if (error_code == 0) return false;
  errno = error_code;
  return true;
}

std::string symlink_message(const std::string& display) {
  return "'" + display +
         "' is a symbolic link: fetchpool writes only beneath the output directory, never through a "
         "link (move it away, or give the directory it leads to with -d)";
}

// Why `name` in `dir_fd` could not be used as a directory (after an openat that failed
// with `error_code`); *missing when it is not there.
std::string describe_directory_error(int dir_fd, const std::string& name, const std::string& display,
                                     int error_code, bool* missing) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) *missing = true;
    return describe_file_error(error_code, "cannot open directory", display);
  }
  if (S_ISLNK(st.st_mode)) return symlink_message(display);
  if (!S_ISDIR(st.st_mode))
    return "'" + display + "' is not a directory: move it away or choose another directory";
  return describe_file_error(error_code, "cannot open directory", display);
}

std::string join_display(const std::string& directory, const std::string& name) {
  if (directory.empty() || directory == ".") return name;
  if (directory.back() == '/') return directory + name;
  return directory + "/" + name;
}

#if defined(__linux__) && defined(SYS_openat2)
// One syscall for the whole walk where the kernel has it (5.6+). -1 when it does not, or
// when anything is amiss: the walk below then finds and names the component at fault.
int open_beneath_at_once(int base_fd, const std::string& relative) {
  static std::atomic<bool> available{true};
  if (!available.load(std::memory_order_relaxed)) return -1;
  struct open_how how {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, base_fd, relative.c_str(), &how, sizeof how);
  // ENOSYS: an older kernel; EPERM: a seccomp filter that does not know it.
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) available.store(false, std::memory_order_relaxed);
  return static_cast<int>(fd);
}
#else
int open_beneath_at_once(int, const std::string&) {
  return -1;
}
#endif

}  // namespace

Directory::~Directory() {
  if (fd_ >= 0) ::close(fd_);
}

Directory::Directory(Directory&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

Directory& Directory::operator=(Directory&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

std::string Directory::display(const std::string& name) const {
  return join_display(path_, name);
}

bool open_directory(const std::string& path, bool create, Directory* out, std::string* error, bool* missing) {
  *missing = false;
  int fd = faulted(FileOp::open_dir) ? -1 : ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) {
      *error = describe_file_error(ec.value(), "cannot create directory", path);
      return false;
    }
    fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0) {
    if (errno == ENOENT) *missing = true;
    *error = errno == ENOTDIR ? "'" + path + "' is not a directory: choose another output directory"
                              : describe_file_error(errno, "cannot open directory", path);
    return false;
  }
  Directory opened;
  opened.fd_ = fd;
  opened.path_ = path;
  *out = std::move(opened);
  return true;
}

bool open_beneath(const Directory& base, const std::string& relative, bool create, Directory* out,
                  std::string* error, bool* missing) {
  *missing = false;
  Directory opened;
  opened.path_ = join_display(base.path_, relative);
  int fault = injected_error(FileOp::open_dir);  // a fault fails the walk's first openat
  opened.fd_ = fault != 0 ? -1 : open_beneath_at_once(base.fd_, relative);
  if (opened.fd_ >= 0) {
    *out = std::move(opened);
    return true;
  }
  // Component by component: never following a link, making what is missing.
  int current = ::dup(base.fd_);
  if (current < 0) {
    *error = describe_file_error(errno, "cannot open directory", base.path_);
    return false;
  }
  std::string walked = base.path_;
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    const std::string component = relative.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    walked = join_display(walked, component);
    if (component == "..") {
      ::close(current);
      *error = "'" + opened.path_ + "' contains '..': it must stay inside the output directory";
      return false;
    }
    const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int next =
        fault != 0 ? (errno = std::exchange(fault, 0), -1) : ::openat(current, component.c_str(), flags);
    if (next < 0 && errno == ENOENT && create) {
      if (::mkdirat(current, component.c_str(), 0777) != 0 && errno != EEXIST) {
        *error = describe_file_error(errno, "cannot create directory", walked);
        ::close(current);
        return false;
      }
      next = ::openat(current, component.c_str(), flags);
    }
    if (next < 0) {
      *error = describe_directory_error(current, component, walked, errno, missing);
      ::close(current);
      return false;
    }
    ::close(current);
    current = next;
  }
  opened.fd_ = current;
  *out = std::move(opened);
  return true;
}

EntryType entry_type(const Directory& dir, const std::string& name, std::int64_t* size) {
  struct stat st;
  if (::fstatat(dir.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return EntryType::missing;
  if (S_ISREG(st.st_mode)) {
    if (size) *size = static_cast<std::int64_t>(st.st_size);
    return EntryType::file;
  }
  if (S_ISDIR(st.st_mode)) return EntryType::directory;
  if (S_ISLNK(st.st_mode)) return EntryType::symlink;
  return EntryType::other;
}

EntryType target_type(const Directory& dir, const std::string& name) {
  EntryType type = entry_type(dir, name);
  if (type != EntryType::symlink) return type;
  struct stat st;
  if (::fstatat(dir.fd(), name.c_str(), &st, 0) != 0) return EntryType::missing;
  if (S_ISREG(st.st_mode)) return EntryType::file;
  if (S_ISDIR(st.st_mode)) return EntryType::directory;
  return EntryType::other;
}

void remove_file(const Directory& dir, const std::string& name) {
  if (!faulted(FileOp::remove)) ::unlinkat(dir.fd(), name.c_str(), 0);
}

bool read_small_file(const Directory& dir, const std::string& name, std::size_t limit, std::string* text) {
  int fd = ::openat(dir.fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) <= limit;
  text->clear();
  char buffer[4096];
  while (ok) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    text->append(buffer, static_cast<std::size_t>(n));
    ok = text->size() <= limit;
  }
  ::close(fd);
  return ok;
}

bool replace_file_contents(const Directory& dir, const std::string& name, const std::string& data,
                           bool temp_is_ours, std::string* error) {
  const std::string temporary = name + ".tmp";
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(dir.fd(), temporary.c_str(), flags, 0666);
  if (fd < 0 && errno == EEXIST && temp_is_ours) {  // left by a crash between write and rename
    ::unlinkat(dir.fd(), temporary.c_str(), 0);
    fd = ::openat(dir.fd(), temporary.c_str(), flags, 0666);
  }
  if (fd < 0) {
    *error = describe_file_error(errno, "cannot create", dir.display(temporary));
    return false;
  }
  bool ok = true;
  std::size_t written = 0;
  if (faulted(FileOp::replace)) {
    *error = describe_file_error(errno, "cannot write", dir.display(temporary));
    ok = false;
  }
  while (ok && written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = describe_file_error(errno, "cannot write", dir.display(temporary));
      ok = false;
    } else {
      written += static_cast<std::size_t>(n);
    }
  }
  if (::close(fd) != 0 && ok && errno != EINTR) {
    *error = describe_file_error(errno, "cannot write", dir.display(temporary));
    ok = false;
  }
  if (ok && ::renameat(dir.fd(), temporary.c_str(), dir.fd(), name.c_str()) != 0) {
    *error = describe_file_error(errno, "cannot rename to", dir.display(name));
    ok = false;
  }
  if (!ok) ::unlinkat(dir.fd(), temporary.c_str(), 0);
  return ok;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      unnamed_(other.unnamed_),
      base_(other.base_),
      limit_(other.limit_) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    unnamed_ = other.unnamed_;
    base_ = other.base_;
    limit_ = other.limit_;
  }
  return *this;
}

void OutputFile::take(int fd, std::string path, bool unnamed) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = std::move(path);
  unnamed_ = unnamed;
  base_ = 0;
  limit_ = -1;
}

bool OutputFile::open_truncate(const std::string& path, std::string* error) {
  int fd = faulted(FileOp::create) ? -1 : ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0 && errno == ENOENT) {
    // The directory is missing: create it here, once, rather than checking on every file.
    std::error_code ec;
    std::filesystem::create_directories(parent_directory(path), ec);
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (fd < 0) {
    *error = describe_file_error(errno, "cannot create", path);
    return false;
  }
  take(fd, path, false);
  return true;
}

bool OutputFile::create_new(const Directory& dir, const std::string& name, std::string* error,
                            bool* existed) {
  *existed = false;
  // O_EXCL: whatever is at the name (a link too, dangling or not) stays as it is.
  int fd = faulted(FileOp::create)
               ? -1
               : ::openat(dir.fd(), name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    *existed = errno == EEXIST;
    *error = describe_file_error(errno, "cannot create", dir.display(name));
    return false;
  }
  take(fd, dir.display(name), false);
  return true;
}

namespace {

// Opens the regular file `name` in `dir` for reading and writing, never through a link.
int open_regular(const Directory& dir, const std::string& name, int extra_flags, std::string* error) {
  int fd = faulted(FileOp::open)
               ? -1
               : ::openat(dir.fd(), name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | extra_flags, 0666);
  if (fd < 0) {
    *error = errno == ELOOP ? symlink_message(dir.display(name))
                            : describe_file_error(errno, "cannot open", dir.display(name));
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    *error = "'" + dir.display(name) + "' is not a regular file: move it away or choose another name";
    return -1;
  }
  return fd;
}

}  // namespace

bool OutputFile::open_at(const Directory& dir, const std::string& name, std::int64_t offset,
                         std::string* error) {
  int fd = open_regular(dir, name, 0, error);
  if (fd < 0) return false;
  if (faulted(FileOp::resize) || ::ftruncate(fd, offset) != 0 || ::lseek(fd, offset, SEEK_SET) != offset) {
    *error = describe_file_error(errno, "cannot resume", dir.display(name));
    ::close(fd);
    return false;
  }
  take(fd, dir.display(name), false);
  return true;
}

bool OutputFile::open_existing(const Directory& dir, const std::string& name, std::string* error) {
  int fd = open_regular(dir, name, O_CREAT, error);
  if (fd < 0) return false;
  take(fd, dir.display(name), false);
  return true;
}

bool OutputFile::open_region(const std::string& path, std::int64_t offset, std::int64_t size,
                             std::string* error) {
  int fd = faulted(FileOp::open) ? -1 : ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *error = describe_file_error(errno, "cannot open", path);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || offset < 0 || size < 0 || st.st_size < offset + size) {
    ::close(fd);
    *error = "'" + path + "' is not a regular file of at least " + std::to_string(offset + size) +
             " bytes, which the region [" + std::to_string(offset) + ", " + std::to_string(offset + size) +
             ") needs";
    return false;
  }
  take(fd, path, false);
  base_ = offset;
  limit_ = size;
  return true;
}

bool OutputFile::within_region(std::int64_t offset, std::size_t size, std::string* error) const {
  if (limit_ < 0 || (offset >= 0 && offset + static_cast<std::int64_t>(size) <= limit_)) return true;
  *error = "the body goes past its region of '" + path_ + "' (" + std::to_string(limit_) +
           " bytes from offset " + std::to_string(base_) + ")";
  return false;
}

bool OutputFile::resize(std::int64_t size, std::string* error) {
  if (is_region()) return within_region(0, static_cast<std::size_t>(size), error);  // it has its size
  if (faulted(FileOp::resize) || ::ftruncate(fd_, size) != 0) {
    *error = describe_file_error(errno, "cannot size", path_);
    return false;
  }
  return true;
}

bool OutputFile::reserve(std::int64_t offset, std::int64_t length, std::string* error) {
  if (is_region()) return true;  // the region is the file's already
#ifdef __linux__
  // fallocate(2) itself, not posix_fallocate(3): where the filesystem cannot reserve,
  // glibc's fallback writes zeros over the whole range, which costs what it saves.
  if (length <= 0 ||
      (!faulted(FileOp::reserve) && ::fallocate(fd_, FALLOC_FL_KEEP_SIZE, offset, length) == 0))
    return true;
  if (errno != ENOSPC && errno != EDQUOT && errno != EFBIG) return true;
  *error = describe_file_error(errno, "cannot write", path_);
  return false;
#else
  (void)offset;
  (void)length;
  (void)error;
  return true;
#endif
}

bool OutputFile::write_at(std::int64_t offset, const char* data, std::size_t size, std::string* error) {
  if (!within_region(offset, size, error)) return false;
  offset += base_;
  if (faulted(FileOp::write)) {
    *error = describe_file_error(errno, "cannot write", path_);
    return false;
  }
  while (size > 0) {
    ssize_t n = ::pwrite(fd_, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = describe_file_error(errno, "cannot write", path_);
      return false;
    }
    data += n;
    offset += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool OutputFile::read_at(std::int64_t offset, char* data, std::size_t size, std::string* error) {
  if (!within_region(offset, size, error)) return false;
  offset += base_;
  if (faulted(FileOp::read)) {
    *error = describe_file_error(errno, "cannot read", path_);
    return false;
  }
  while (size > 0) {
    ssize_t n = ::pread(fd_, data, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n == 0 ? "'" + path_ + "' is shorter than expected"
                      : describe_file_error(errno, "cannot read", path_);
      return false;
    }
    data += n;
    offset += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool OutputFile::read_range(std::int64_t from, std::int64_t to,
                            const std::function<void(const char*, std::size_t)>& take, std::string* error) {
  if (from >= to) return true;
  std::vector<char> buffer(static_cast<std::size_t>(std::min<std::int64_t>(to - from, 1 << 20)));
  while (from < to) {
    const auto step = static_cast<std::size_t>(std::min<std::int64_t>(to - from, buffer.size()));
    if (!read_at(from, buffer.data(), step, error)) return false;
    take(buffer.data(), step);
    from += static_cast<std::int64_t>(step);
  }
  return true;
}

bool OutputFile::truncate_all(std::string* error) {
  if (is_region()) return true;  // the next body's bytes are written over the last one's
  if (faulted(FileOp::resize) || ::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
    *error = describe_file_error(errno, "cannot truncate", path_);
    return false;
  }
  return true;
}

bool OutputFile::write_all(const char* data, std::size_t size, std::string* error) {
  if (is_region() && size > 0) {
    *error = "internal error: write_all on a region of '" + path_ + "'";
    return false;
  }
  if (faulted(FileOp::write)) {
    *error = describe_file_error(errno, "cannot write", path_);
    return false;
  }
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = describe_file_error(errno, "cannot write", path_);
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool OutputFile::close(std::string* error) {
  if (fd_ < 0) return true;
  int result = ::close(std::exchange(fd_, -1));
  if (result == 0 && faulted(FileOp::close)) result = -1;  // the descriptor is closed all the same
  if (result != 0 && errno != EINTR) {
    *error = describe_file_error(errno, "cannot write", path_);
    return false;
  }
  return true;
}

bool rename_file(const std::string& from, const std::string& to, bool replace, std::string* error,
                 bool* existed) {
  *existed = false;
  if (faulted(FileOp::rename)) {
    *error = describe_file_error(errno, "cannot rename to", to);
    return false;
  }
  if (replace) {
    if (::rename(from.c_str(), to.c_str()) == 0) return true;
    *error = describe_file_error(errno, "cannot rename to", to);
    return false;
  }
#if defined(__linux__) && defined(RENAME_NOREPLACE)
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) {
    *existed = true;
    *error = "'" + to + "' appeared while downloading; kept it";
    return false;
  }
  if (errno != EINVAL && errno != ENOSYS) {
    *error = describe_file_error(errno, "cannot rename to", to);
    return false;
  }
#endif
  // No atomic no-clobber rename here: link() fails when the target exists.
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return true;
  }
  if (errno == EEXIST) {
    *existed = true;
    *error = "'" + to + "' appeared while downloading; kept it";
    return false;
  }
  // Filesystems without hard links: check, then rename (a small race, the best available).
  struct stat st;
  if (::stat(to.c_str(), &st) == 0) {
    *existed = true;
    *error = "'" + to + "' appeared while downloading; kept it";
    return false;
  }
  if (::rename(from.c_str(), to.c_str()) == 0) return true;
  *error = describe_file_error(errno, "cannot rename to", to);
  return false;
}

bool rename_file(const Directory& dir, const std::string& from, const std::string& to, bool replace,
                 std::string* error, bool* existed) {
  *existed = false;
  const int fd = dir.fd();
  auto appeared = [&] {
    *existed = true;
    *error = "'" + dir.display(to) + "' appeared while downloading; kept it";
    return false;
  };
  if (faulted(FileOp::rename)) {
    *error = describe_file_error(errno, "cannot rename to", dir.display(to));
    return false;
  }
  if (replace) {
    if (::renameat(fd, from.c_str(), fd, to.c_str()) == 0) return true;
    *error = describe_file_error(errno, "cannot rename to", dir.display(to));
    return false;
  }
#if defined(__linux__) && defined(RENAME_NOREPLACE)
  if (::renameat2(fd, from.c_str(), fd, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return appeared();
  if (errno != EINVAL && errno != ENOSYS) {
    *error = describe_file_error(errno, "cannot rename to", dir.display(to));
    return false;
  }
#endif
  // No atomic no-clobber rename here: linkat() fails when the target exists (a link too).
  if (::linkat(fd, from.c_str(), fd, to.c_str(), 0) == 0) {
    ::unlinkat(fd, from.c_str(), 0);
    return true;
  }
  if (errno == EEXIST) return appeared();
  // Filesystems without hard links: check, then rename (a small race, the best available).
  struct stat st;
  if (::fstatat(fd, to.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return appeared();
  if (::renameat(fd, from.c_str(), fd, to.c_str()) == 0) return true;
  *error = describe_file_error(errno, "cannot rename to", dir.display(to));
  return false;
}

namespace {

bool create_via_part_file(const std::string& path, const char* data, std::size_t size, bool replace,
                          std::string* error, bool* existed) {
  std::string part = path + ".part";
  OutputFile file;
  if (!file.open_truncate(part, error)) return false;
  if (!file.write_all(data, size, error) || !file.close(error) ||
      !rename_file(part, path, replace, error, existed)) {
    ::unlink(part.c_str());
    return false;
  }
  return true;
}

}  // namespace

bool create_file_atomically(const std::string& path, const char* data, std::size_t size, bool replace,
                            std::string* error, bool* existed) {
  *existed = false;
  if (!replace) {
    OutputFile file;
    bool unsupported = false;
    if (file.open_unnamed(path, error, &unsupported)) {
      return file.write_all(data, size, error) && file.link_as(path, error, existed) && file.close(error);
    }
    if (!unsupported) return false;
  }
  return create_via_part_file(path, data, size, replace, error, existed);
}

bool create_file_atomically(const Directory& dir, const std::string& name, const char* data, std::size_t size,
                            bool replace, std::string* error, bool* existed) {
  *existed = false;
  OutputFile file;
  if (!replace) {
    bool unsupported = false;
    if (file.open_unnamed(dir, name, error, &unsupported)) {
      return file.write_all(data, size, error) && file.link_as(dir, name, error, existed) &&
             file.close(error);
    }
    if (!unsupported) return false;
  }
  // Through NAME.part, which must not be there: a file of that name is not known to be ours.
  const std::string part = name + ".part";
  bool part_existed = false;
  if (!file.create_new(dir, part, error, &part_existed)) {
    if (part_existed) {
      *error = "'" + dir.display(part) +
               "' exists and was not left by fetchpool for this URL: move it away or choose another name";
    }
    return false;
  }
  if (!file.write_all(data, size, error) || !file.close(error) ||
      !rename_file(dir, part, name, replace, error, existed)) {
    ::unlinkat(dir.fd(), part.c_str(), 0);
    return false;
  }
  return true;
}

bool OutputFile::open_unnamed(const Directory& dir, const std::string& intended_name, std::string* error,
                              bool* unsupported) {
  *unsupported = false;
#if defined(__linux__) && defined(O_TMPFILE)
  int fd = faulted(FileOp::create) ? -1 : ::openat(dir.fd(), ".", O_RDWR | O_TMPFILE | O_CLOEXEC, 0666);
  if (fd >= 0) {
    take(fd, dir.display(intended_name), true);
    return true;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    *error = describe_file_error(errno, "cannot create a file in", dir.path());
    return false;
  }
#else
  (void)dir;
  (void)intended_name;
  (void)error;
#endif
  *unsupported = true;
  return false;
}

bool OutputFile::open_unnamed(const std::string& intended_path, std::string* error, bool* unsupported) {
  // The directory-held form does the work; this one only opens (and makes) the directory.
  *unsupported = false;
  Directory dir;
  bool missing = false;
  if (!open_directory(parent_directory(intended_path), /*create=*/true, &dir, error, &missing)) return false;
  return open_unnamed(dir, std::filesystem::path(intended_path).filename().string(), error, unsupported);
}

bool OutputFile::link_as(const std::string& path, std::string* error, bool* existed) {
  return link_at(AT_FDCWD, path, path, error, existed);
}

bool OutputFile::link_as(const Directory& dir, const std::string& name, std::string* error, bool* existed) {
  return link_at(dir.fd(), name, dir.display(name), error, existed);
}

bool OutputFile::link_at(int dir_fd, const std::string& name, const std::string& display, std::string* error,
                         bool* existed) {
  *existed = false;
  // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; through /proc it needs nothing but
  // costs a path walk. Try the cheap one first, once, and remember. linkat never follows
  // a link at the new name: one there counts as existing.
  static std::atomic<bool> empty_path_allowed{true};
  const bool fault = faulted(FileOp::link);  // as if linkat failed: neither way is tried
  int result = -1;
  if (!fault && empty_path_allowed.load(std::memory_order_relaxed)) {
    result = ::linkat(fd_, "", dir_fd, name.c_str(), AT_EMPTY_PATH);
    if (result != 0 && (errno == ENOENT || errno == EPERM))
      empty_path_allowed.store(false, std::memory_order_relaxed);
  }
  if (!fault && result != 0 && !empty_path_allowed.load(std::memory_order_relaxed)) {
    char proc_path[64];
    std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd_);
    result = ::linkat(AT_FDCWD, proc_path, dir_fd, name.c_str(), AT_SYMLINK_FOLLOW);
  }
  if (result == 0) {
    unnamed_ = false;
    path_ = display;
    return true;
  }
  if (errno == EEXIST) {
    *existed = true;
    *error = "'" + display + "' appeared while downloading; kept it";
  } else {
    *error = describe_file_error(errno, "cannot create", display);
  }
  return false;
}

std::string parent_directory(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

std::int64_t written_prefix(const Directory& dir, const std::string& name) {
  std::int64_t size = -1;
  if (entry_type(dir, name, &size) != EntryType::file) return -1;
  if (size == 0) return 0;
#ifdef SEEK_HOLE
  int fd = ::openat(dir.fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return size;
  off_t hole = ::lseek(fd, 0, SEEK_HOLE);
  ::close(fd);
  if (hole >= 0 && hole < size) return static_cast<std::int64_t>(hole);
#endif
  return size;
}

namespace {
thread_local bool last_failure_was_shortage = false;
}  // namespace

bool take_descriptor_shortage() {
  return std::exchange(last_failure_was_shortage, false);
}

void note_descriptor_shortage() {
  last_failure_was_shortage = true;
}

std::string describe_file_error(int error_code, const char* what, const std::string& path) {
  last_failure_was_shortage = error_code == EMFILE || error_code == ENFILE;
  std::string message = std::string(what) + " '" + path + "': " + std::strerror(error_code);
  switch (error_code) {
    case ENOSPC:
    case EDQUOT: message += " (free some space or choose another output directory)"; break;
    case EACCES:
    case EPERM:
    case EROFS: message += " (choose a writable output directory)"; break;
    case EMFILE:
    case ENFILE: message += " (out of file descriptors: retried once others are closed)"; break;
    default: break;
  }
  return message;
}

}  // namespace fetchpool::platform
