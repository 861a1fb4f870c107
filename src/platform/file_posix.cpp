#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "platform/file.h"

namespace fetchpool::platform {

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), unnamed_(other.unnamed_) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    unnamed_ = other.unnamed_;
  }
  return *this;
}

void OutputFile::take(int fd, std::string path, bool unnamed) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = std::move(path);
  unnamed_ = unnamed;
}

bool OutputFile::open_truncate(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
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

bool OutputFile::open_at(const std::string& path, std::int64_t offset, std::string* error) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    *error = describe_file_error(errno, "cannot open", path);
    return false;
  }
  if (::ftruncate(fd, offset) != 0 || ::lseek(fd, offset, SEEK_SET) != offset) {
    *error = describe_file_error(errno, "cannot resume", path);
    ::close(fd);
    return false;
  }
  take(fd, path, false);
  return true;
}

bool OutputFile::open_existing(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    *error = describe_file_error(errno, "cannot open", path);
    return false;
  }
  take(fd, path, false);
  return true;
}

bool OutputFile::resize(std::int64_t size, std::string* error) {
  if (::ftruncate(fd_, size) != 0) {
    *error = describe_file_error(errno, "cannot size", path_);
    return false;
  }
  return true;
}

bool OutputFile::reserve(std::int64_t offset, std::int64_t length, std::string* error) {
#ifdef __linux__
  // fallocate(2) itself, not posix_fallocate(3): where the filesystem cannot reserve,
  // glibc's fallback writes zeros over the whole range, which costs what it saves.
  if (length <= 0 || ::fallocate(fd_, FALLOC_FL_KEEP_SIZE, offset, length) == 0) return true;
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

bool OutputFile::truncate_all(std::string* error) {
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
    *error = describe_file_error(errno, "cannot truncate", path_);
    return false;
  }
  return true;
}

bool OutputFile::write_all(const char* data, std::size_t size, std::string* error) {
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
  if (result != 0 && errno != EINTR) {
    *error = describe_file_error(errno, "cannot write", path_);
    return false;
  }
  return true;
}

bool rename_file(const std::string& from, const std::string& to, bool replace, std::string* error,
                 bool* existed) {
  *existed = false;
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

bool OutputFile::open_unnamed(const std::string& intended_path, std::string* error, bool* unsupported) {
  *unsupported = false;
#if defined(__linux__) && defined(O_TMPFILE)
  const std::string directory = parent_directory(intended_path);
  int fd = ::open(directory.c_str(), O_RDWR | O_TMPFILE | O_CLOEXEC, 0666);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    fd = ::open(directory.c_str(), O_RDWR | O_TMPFILE | O_CLOEXEC, 0666);
  }
  if (fd >= 0) {
    take(fd, intended_path, true);
    return true;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    *error = describe_file_error(errno, "cannot create a file in", directory);
    return false;
  }
#else
  (void)intended_path;
  (void)error;
#endif
  *unsupported = true;
  return false;
}

bool OutputFile::link_as(const std::string& path, std::string* error, bool* existed) {
  *existed = false;
  // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; through /proc it needs nothing but
  // costs a path walk. Try the cheap one first, once, and remember.
  static std::atomic<bool> empty_path_allowed{true};
  int result = -1;
  if (empty_path_allowed.load(std::memory_order_relaxed)) {
    result = ::linkat(fd_, "", AT_FDCWD, path.c_str(), AT_EMPTY_PATH);
    if (result != 0 && (errno == ENOENT || errno == EPERM))
      empty_path_allowed.store(false, std::memory_order_relaxed);
  }
  if (result != 0 && !empty_path_allowed.load(std::memory_order_relaxed)) {
    char proc_path[64];
    std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd_);
    result = ::linkat(AT_FDCWD, proc_path, AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
  }
  if (result == 0) {
    unnamed_ = false;
    path_ = path;
    return true;
  }
  if (errno == EEXIST) {
    *existed = true;
    *error = "'" + path + "' appeared while downloading; kept it";
  } else {
    *error = describe_file_error(errno, "cannot create", path);
  }
  return false;
}

std::string parent_directory(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

std::int64_t file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<std::int64_t>(st.st_size);
}

std::int64_t written_prefix(const std::string& path) {
  std::int64_t size = file_size(path);
  if (size <= 0) return size;
#ifdef SEEK_HOLE
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return size;
  off_t hole = ::lseek(fd, 0, SEEK_HOLE);
  ::close(fd);
  if (hole >= 0 && hole < size) return static_cast<std::int64_t>(hole);
#endif
  return size;
}

std::string describe_file_error(int error_code, const char* what, const std::string& path) {
  std::string message = std::string(what) + " '" + path + "': " + std::strerror(error_code);
  switch (error_code) {
    case ENOSPC:
    case EDQUOT: message += " (free some space or choose another output directory)"; break;
    case EACCES:
    case EPERM:
    case EROFS: message += " (choose a writable output directory)"; break;
    default: break;
  }
  return message;
}

}  // namespace fetchpool::platform
