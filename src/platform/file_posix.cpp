#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "platform/file.h"

namespace fetchpool::platform {

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

bool OutputFile::open_truncate(const std::string& path, std::string* error, int* error_code) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    *error_code = errno;
    *error = describe_file_error(errno, "cannot create", path);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = path;
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
    *error = "'" + to + "' appeared while downloading; kept it (the download stays in '" + from + "')";
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
    *error = "'" + to + "' appeared while downloading; kept it (the download stays in '" + from + "')";
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

std::string describe_file_error(int error_code, const char* what, const std::string& path) {
  std::string message = std::string(what) + " '" + path + "': " + std::strerror(error_code);
  switch (error_code) {
    case ENOSPC:
    case EDQUOT:
      message += " (free some space or choose another output directory)";
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      message += " (choose a writable output directory)";
      break;
    default:
      break;
  }
  return message;
}

}  // namespace fetchpool::platform
