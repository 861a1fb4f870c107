#include "cli/shard_key.h"

#include <filesystem>

#include "engine/output_name.h"
#include "http/url.h"

namespace fetchpool::cli {

std::string shard_key(const InputEntry& entry, const Request* request) {
  if (request == nullptr) return entry.url;
  std::string name = request->file_name;
  if (name.empty()) {
    http::ParsedUrl url;
    std::string error;
    if (!http::parse_url(request->url, &url, &error)) return entry.url;  // the engine fails it
    name = engine::file_name_from_url_path(url.path);
  }
  // The engine's own form of the relative path (engine::locate_output), so that the key is
  // the path the report shows beneath -d.
  return (request->directory / name).lexically_normal().generic_string();
}

}  // namespace fetchpool::cli
