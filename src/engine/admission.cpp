#include "engine/admission.h"

#include <array>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>

#include "engine/output_name.h"
#include "hash/digest.h"
#include "platform/file.h"

namespace fetchpool::engine {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxRememberedDirs = 4096;

// The names a download of NAME keeps its partial data under (see FileSink).
constexpr std::array<std::string_view, 3> kPartSuffixes{".part", ".part.state", ".part.state.tmp"};

// Claims `path` (absolute, normal) for one download of this run. Empty, or why not: it is
// another's name, or another keeps its partial data there, or this one would keep its
// partial data under another's name (a list with both big.iso and big.iso.part).
std::string claim_output(PathClaims& claims, const std::string& path, const std::string& display,
                         std::optional<std::uint64_t>* claimed) {
  auto key = [](const std::string& text) { return std::hash<std::string>{}(text); };
  const std::string advice = ": give one of them another name";
  if (claims.contains(key(path)))
    return "output path '" + display + "' is already used by another download in this run" + advice;
  for (std::string_view suffix : kPartSuffixes) {
    if (path.ends_with(suffix) && claims.contains(key(path.substr(0, path.size() - suffix.size())))) {
      return "output path '" + display + "' is where another download in this run keeps its partial data" +
             advice;
    }
    if (claims.contains(key(path + std::string(suffix)))) {
      return "output path '" + display + "' would keep its partial data in '" + display +
             std::string(suffix) + "', the name of another download in this run" + advice;
    }
  }
  claims.claim(key(path));
  *claimed = key(path);
  return {};
}

// A request's own limits, when it sets them, must make sense.
bool valid_limits(const Request& request, std::string* error) {
  if (request.retries && *request.retries < 0) {
    *error = "Request::retries must be 0 or more";
  } else if (request.max_time_s && *request.max_time_s < 0) {
    *error = "Request::max_time_s must be 0 (no limit) or more";
  } else if (request.max_bytes_per_s && *request.max_bytes_per_s < 1) {
    *error = "Request::max_bytes_per_s must be at least 1 (leave it unset for no cap)";
  } else if (request.connections && *request.connections < 1) {
    *error = "Request::connections must be at least 1";
  } else if (request.post_body && !request.to_memory) {
    *error = "Request::post_body needs to_memory (the answer to a POST is kept in memory)";
  } else if (request.to_memory && request.memory_limit < 0) {
    *error = "Request::memory_limit must be 0 or more";
  } else if (request.into_region && (request.to_memory || request.name_from_server)) {
    *error = "Request::into_region is a file's region: not with to_memory or name_from_server";
  } else if (request.into_region && (request.into_region->offset < 0 || request.into_region->size < 0 ||
                                     request.into_region->file.empty())) {
    *error = "Request::into_region needs a file, and an offset and a size of 0 or more";
  } else if (request.into_region && request.expected_size >= 0 &&
             request.expected_size != request.into_region->size) {
    *error = "Request::expected_size (" + std::to_string(request.expected_size) +
             ") is not the size of Request::into_region (" + std::to_string(request.into_region->size) + ")";
  } else {
    return true;
  }
  return false;
}

}  // namespace

Admission::Admission(const EngineOptions& options) : options_(options) {
  std::error_code ec;
  base_dir_ = fs::current_path(ec);
}

bool Admission::admit(Transfer& transfer, std::string* error) {
  const Request& request = transfer.request;
  if (!http::parse_url(request.url, &transfer.url, error)) {
    transfer.url.redacted = http::redact_url(request.url);
    return false;
  }
  transfer.identity = transfer.url.redacted;
  transfer.sources = {transfer.url};
  transfer.source_urls = {request.url};
  for (const std::string& mirror : request.mirrors) {
    http::ParsedUrl parsed;
    if (!http::parse_url(mirror, &parsed, error)) {
      *error = "mirror " + http::redact_url(mirror) + ": " + *error;
      return false;
    }
    transfer.sources.push_back(std::move(parsed));
    transfer.source_urls.push_back(mirror);
  }
  transfer.source_failed.assign(transfer.sources.size(), false);
  transfer.source_tried.assign(transfer.sources.size(), false);
  if (!valid_limits(request, error)) return false;
  // A region holds exactly its size: the size checks of expected_size apply to it.
  if (request.into_region) transfer.request.expected_size = request.into_region->size;
  std::string name = request.file_name;
  if (name.empty()) {
    name = file_name_from_url_path(transfer.url.path);
  } else if (!check_relative_name(name, error)) {
    return false;
  }
  fs::path root;
  if (!locate_output(request.directory, options_.output_dir, name, &root, &transfer.output_relative, error))
    return false;
  transfer.output_root = root.string();
  fs::path output = (root / transfer.output_relative).lexically_normal();
  transfer.display_path = output.string();

  if (!request.expected_digest.empty()) {
    hash::DigestSpec spec;
    if (!hash::parse_digest_spec(request.expected_digest, &spec, error)) return false;
    transfer.expected_digest = spec.algorithm + ":" + spec.hex;
  }

  if (!request.to_memory) {
    *error = claim_output(claimed_paths_, (base_dir_ / output).lexically_normal().string(),
                          transfer.display_path, &transfer.claimed_path);
    if (!error->empty()) return false;
  }
  return true;
}

void Admission::give_back(const Transfer& transfer) {
  if (!transfer.claimed_path) return;
  claimed_paths_.release(*transfer.claimed_path);
  if (auto it = fresh_dirs_.find(platform::parent_directory(transfer.display_path)); it != fresh_dirs_.end())
    it->second = false;
}

bool Admission::may_exist(const std::string& path) {
  std::string directory = platform::parent_directory(path);
  auto it = fresh_dirs_.find(directory);
  if (it != fresh_dirs_.end()) return !it->second;
  std::error_code ec;
  fs::directory_iterator entries(fs::path(directory), ec);
  bool fresh = ec == std::errc::no_such_file_or_directory || (!ec && entries == fs::directory_iterator());
  if (fresh_dirs_.size() < kMaxRememberedDirs) fresh_dirs_.emplace(std::move(directory), fresh);
  return !fresh;
}

}  // namespace fetchpool::engine
