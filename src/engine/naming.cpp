#include "fetchpool/naming.h"

#include <vector>

#include "engine/output_name.h"
#include "http/url.h"

namespace fetchpool {
namespace {

/// "host" or "host:port" from a host_key "scheme://host:port", wget's way: the port only
/// when it is not the scheme's default.
std::string host_directory(const http::ParsedUrl& parsed) {
  const std::string& key = parsed.host_key;
  std::string port = key.substr(key.rfind(':') + 1);
  bool default_port =
      (parsed.scheme == "http" && port == "80") || (parsed.scheme == "https" && port == "443");
  return default_port ? parsed.host : parsed.host + ":" + port;
}

}  // namespace

bool file_name_for_url(std::string_view url, std::string* name, std::string* error) {
  http::ParsedUrl parsed;
  if (!http::parse_url(url, &parsed, error)) return false;
  *name = engine::file_name_from_url_path(parsed.path);
  return true;
}

bool remote_directory(std::string_view url, const RemoteLayout& layout, std::string* directory,
                      std::string* error) {
  directory->clear();
  if (!layout.enabled) return true;
  http::ParsedUrl parsed;
  if (!http::parse_url(url, &parsed, error)) return false;
  std::vector<std::string> parts;
  if (layout.host_directory) parts.push_back(host_directory(parsed));
  // The directories of the path: every segment but the last (the file's own name).
  std::string_view path = parsed.path;
  std::size_t last_slash = path.rfind('/');
  path = path.substr(0, last_slash == std::string_view::npos ? 0 : last_slash);
  int cut = layout.cut_dirs;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    // Split before decoding: an encoded "%2F" stays inside its directory's name.
    std::string segment = engine::percent_decode(path.substr(start, end - start));
    start = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (cut > 0) {
      --cut;
      continue;
    }
    for (char& c : segment)
      if (c == '/' || c == '\\') c = '_';
    if (segment == "..") {
      *error = "the URL's path has '..' in it: its directories cannot be kept beneath -d";
      return false;
    }
    parts.push_back(std::move(segment));
  }
  for (const std::string& part : parts) *directory += (directory->empty() ? "" : "/") + part;
  return true;
}

}  // namespace fetchpool
