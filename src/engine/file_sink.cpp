#include "engine/file_sink.h"

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace fetchpool::engine {

FileSink::FileSink(std::string final_path, std::int64_t memory_limit, std::string buffer)
    : final_path_(std::move(final_path)),
      part_path_(final_path_ + ".part"),
      memory_limit_(memory_limit),
      memory_(std::move(buffer)) {
  memory_.clear();
}

void FileSink::expect_size(std::int64_t size) {
  if (size > 0 && size <= memory_limit_ && !file_.is_open()) memory_.reserve(static_cast<std::size_t>(size));
}

std::string FileSink::take_buffer() {
  memory_.clear();
  return std::move(memory_);
}

bool FileSink::spill(std::string* error) {
  int error_code = 0;
  if (!file_.open_truncate(part_path_, error, &error_code)) {
    if (error_code != ENOENT) return false;
    // The directory is missing: create it here, once, rather than checking on every transfer.
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(part_path_).parent_path();
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      *error = "cannot create directory '" + parent.string() + "': " + ec.message();
      return false;
    }
    if (!file_.open_truncate(part_path_, error, &error_code)) return false;
  }
  created_ = true;
  bool ok = file_.write_all(memory_.data(), memory_.size(), error);
  memory_.clear();
  return ok;
}

bool FileSink::write(const char* data, std::size_t size, std::string* error) {
  if (!file_.is_open()) {
    if (static_cast<std::int64_t>(memory_.size() + size) <= memory_limit_) {
      memory_.append(data, size);
      return true;
    }
    if (!spill(error)) return false;
  }
  return file_.write_all(data, size, error);
}

bool FileSink::commit(IfExists if_exists, std::string* error, bool* existed) {
  bool replace = if_exists == IfExists::overwrite;
  if (!file_.is_open()) {
    bool ok = platform::create_file_atomically(final_path_, memory_.data(), memory_.size(), replace, error,
                                               existed);
    std::string().swap(memory_);
    return ok;
  }
  if (!file_.close(error)) {
    abandon();
    return false;
  }
  if (!platform::rename_file(part_path_, final_path_, replace, error, existed)) {
    abandon();
    return false;
  }
  created_ = false;
  return true;
}

void FileSink::abandon() {
  memory_.clear();
  std::string ignored;
  file_.close(&ignored);
  if (created_) {
    created_ = false;
    std::error_code ec;
    std::filesystem::remove(part_path_, ec);
  }
}

}  // namespace fetchpool::engine
