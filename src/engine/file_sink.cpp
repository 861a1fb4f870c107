#include "engine/file_sink.h"

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace fetchpool::engine {

FileSink::FileSink(std::string final_path)
    : final_path_(std::move(final_path)), part_path_(final_path_ + ".part") {}

bool FileSink::open(std::string* error) {
  int error_code = 0;
  if (file_.open_truncate(part_path_, error, &error_code)) return created_ = true;
  if (error_code != ENOENT) return false;
  // The directory is missing: create it once, here, rather than checking on every transfer.
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(part_path_).parent_path();
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    *error = "cannot create directory '" + parent.string() + "': " + ec.message();
    return false;
  }
  return created_ = file_.open_truncate(part_path_, error, &error_code);
}

bool FileSink::write(const char* data, std::size_t size, std::string* error) {
  if (!file_.is_open() && !open(error)) return false;
  return file_.write_all(data, size, error);
}

bool FileSink::commit(IfExists if_exists, std::string* error) {
  if (!file_.is_open() && !open(error)) return false;
  if (!file_.close(error)) {
    abandon();
    return false;
  }
  bool existed = false;
  return platform::rename_file(part_path_, final_path_, if_exists == IfExists::overwrite, error, &existed);
}

void FileSink::abandon() {
  std::string ignored;
  file_.close(&ignored);
  if (created_) {
    created_ = false;
    std::error_code ec;
    std::filesystem::remove(part_path_, ec);
  }
}

}  // namespace fetchpool::engine
