#include "cli/shard_key.h"

#include <filesystem>

#include "fetchpool/naming.h"

namespace fetchpool::cli {

namespace {

// directory/name as engine::locate_output makes it, so that the key is the path the report
// shows beneath -d; the URL's name when `name` is empty. Empty when the URL does not parse.
std::string relative_path(const std::filesystem::path& directory, std::string name,
                          const std::string& url_text) {
  std::string error;
  if (name.empty() && !file_name_for_url(url_text, &name, &error)) return {};
  return (directory / name).lexically_normal().generic_string();
}

}  // namespace

std::string shard_key(const InputEntry& entry, const Request* request) {
  // An entry that cannot run is keyed as it would be once fixed (by its dir=, out= or URL
  // name), so that it is reported by the shard its rerun from --save-failed falls in.
  std::string key = request == nullptr ? relative_path(entry.dir, entry.out, entry.url)
                                       : relative_path(request->directory, request->file_name, request->url);
  return key.empty() ? entry.url : key;  // a URL that does not parse: the engine fails it
}

}  // namespace fetchpool::cli
