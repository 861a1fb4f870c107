#include "cli/output_option.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <system_error>
#include <vector>

#include "cli/console.h"

namespace fetchpool::cli {
namespace {

namespace fs = std::filesystem;

/// A new directory only this user can enter, under the system's temporary directory.
bool make_private_temp_dir(fs::path* dir, std::string* error) {
  std::error_code ec;
  const fs::path base = fs::temp_directory_path(ec);
  if (ec) {
    *error = "no temporary directory for -o -: " + ec.message() + " (set TMPDIR)";
    return false;
  }
  std::random_device random;
  for (int tries = 0; tries < 16; ++tries) {
    fs::path candidate = base / ("fetchpool-stdout-" + std::to_string(random()));
    if (fs::create_directory(candidate, ec)) {
      fs::permissions(candidate, fs::perms::owner_all, fs::perm_options::replace, ec);
      *dir = candidate;
      return true;
    }
    if (ec) break;
  }
  *error = "cannot create a temporary directory in '" + base.string() + "' for -o -" +
           (ec ? ": " + ec.message() : std::string()) + " (set TMPDIR)";
  return false;
}

bool copy_to_stdout(const fs::path& file, std::string* error) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got > 0 && std::fwrite(buffer.data(), 1, got, stdout) != got) {
      *error = "cannot write the body to standard output";
      return false;
    }
  }
  if (!in.eof()) {
    *error = "cannot read back '" + file.string() + "' for standard output";
    return false;
  }
  if (std::fflush(stdout) != 0) {
    *error = "cannot write the body to standard output";
    return false;
  }
  return true;
}

}  // namespace

bool place_output(GetOptions* options, std::string* error) {
  if (options->output.empty() || options->output == "-") return true;
  const fs::path given(options->output);
  if (!given.has_parent_path() && given.filename() != "." && given.filename() != "..") return true;
  const fs::path joined = fs::path(options->directory) / given;
  const fs::path name = joined.filename();
  if (name.empty() || name == "." || name == "..") {
    *error = "-o '" + options->output + "' names a directory, not a file: add the file's name";
    return false;
  }
  options->directory = joined.has_parent_path() ? joined.parent_path().string() : std::string(".");
  options->output = name.string();
  return true;
}

int run_to_stdout(GetOptions options, int (*run)(const GetOptions&)) {
  std::string error;
  fs::path dir;
  if (!make_private_temp_dir(&dir, &error)) {
    print_error(error);
    return kExitFailed;
  }
  options.directory = dir.string();
  options.output = "body";
  options.if_exists = "overwrite";
  int status = run(options);
  if (status == kExitOk && !copy_to_stdout(dir / "body", &error)) {
    print_error(error);
    status = kExitFailed;
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return status;
}

}  // namespace fetchpool::cli
