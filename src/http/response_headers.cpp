#include "http/response_headers.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "http/content_disposition.h"
#include "text/ascii.h"
#include "text/base64.h"

namespace fetchpool::http {
namespace {

using text::lower;
using text::trim;

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string base64_to_hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::optional<std::string> bytes = text::base64_decode(text);
  std::string hex;
  for (char c : bytes.value_or(std::string())) {
    auto byte = static_cast<unsigned char>(c);
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return hex;
}

bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Rank of an algorithm when several are advertised: lower is preferred.
int preference(std::string_view digest) {
  if (digest.rfind("sha256:", 0) == 0) return 0;
  if (digest.rfind("sha512:", 0) == 0) return 1;
  if (digest.rfind("sha1:", 0) == 0) return 2;
  return 3;
}

void offer(std::string digest, ResponseHeaders* headers) {
  if (digest.empty()) return;
  if (headers->advertised_digest.empty() || preference(digest) < preference(headers->advertised_digest)) {
    headers->advertised_digest = std::move(digest);
  }
}

// "sha-256=:abc=:, sha-512=:def=:" and "SHA-256=abc=,MD5=xyz"
void offer_dictionary(std::string_view value, ResponseHeaders* headers) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view member = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    std::size_t equals = member.find('=');
    if (equals == std::string_view::npos) continue;
    offer(normalise_digest(trim(member.substr(0, equals)), trim(member.substr(equals + 1))), headers);
  }
}

}  // namespace

std::string normalise_digest(std::string_view algorithm, std::string_view value) {
  std::string name = lower(algorithm);
  std::erase(name, '-');
  std::size_t hex_length = name == "sha256"   ? 64
                           : name == "sha512" ? 128
                           : name == "sha1"   ? 40
                           : name == "md5"    ? 32
                                              : 0;
  if (hex_length == 0) return {};
  std::string hex;
  if (value.size() >= 2 && value.front() == ':' && value.back() == ':') {
    hex = base64_to_hex(value.substr(1, value.size() - 2));
  } else if (value.size() == hex_length && is_hex(value)) {
    hex = lower(value);
  } else {
    hex = base64_to_hex(value);
  }
  if (hex.size() != hex_length) return {};
  return name + ":" + hex;
}

void parse_header_line(std::string_view line, std::time_t now, ResponseHeaders* headers, HeaderList* all) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    headers->status_line = std::string(line);
    if (all) all->clear();
    return;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view value = trim(line.substr(colon + 1));
  if (all && all->size() < kMaxKeptHeaders) all->emplace_back(trim(line.substr(0, colon)), value);
  std::string name = lower(trim(line.substr(0, colon)));
  if (name == "etag") {
    headers->etag = std::string(value);
  } else if (name == "content-type") {
    headers->content_type = std::string(value);
  } else if (name == "content-disposition") {
    headers->disposition_name = content_disposition_filename(value);
  } else if (name == "www-authenticate") {
    headers->www_authenticate = std::string(value);
  } else if (name == "last-modified") {
    headers->last_modified = std::string(value);
  } else if (name == "accept-ranges") {
    headers->accept_ranges = lower(value).find("bytes") != std::string::npos;
  } else if (name == "retry-after") {
    if (auto seconds = to_int(value)) {
      headers->retry_after_s = static_cast<double>(std::max<std::int64_t>(0, *seconds));
    } else {
      std::string date(value);
      std::time_t when = curl_getdate(date.c_str(), nullptr);
      if (when >= 0) headers->retry_after_s = static_cast<double>(std::max<std::time_t>(0, when - now));
    }
  } else if (name == "location") {
    headers->location = std::string(value);
  } else if (name == "content-range") {
    // bytes START-END/TOTAL
    headers->content_range = std::string(value);
    std::string_view rest = value;
    if (lower(rest.substr(0, 6)) != "bytes ") return;
    rest.remove_prefix(6);
    std::size_t dash = rest.find('-');
    std::size_t slash = rest.find('/');
    if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return;
    headers->range_start = to_int(rest.substr(0, dash));
    headers->range_end = to_int(rest.substr(dash + 1, slash - dash - 1)).value_or(-1);
    headers->range_total = to_int(rest.substr(slash + 1)).value_or(-1);
  } else if (name == "repr-digest" || name == "digest") {
    offer_dictionary(value, headers);
  } else if (name == "content-digest") {
    if (headers->status_line.find(" 206") == std::string::npos) offer_dictionary(value, headers);
  } else if (name == "x-checksum-sha256") {
    offer(normalise_digest("sha256", value), headers);
  } else if (name == "x-checksum-sha1") {
    offer(normalise_digest("sha1", value), headers);
  } else if (name == "docker-content-digest") {
    std::size_t separator = value.find(':');
    if (separator != std::string_view::npos)
      offer(normalise_digest(value.substr(0, separator), value.substr(separator + 1)), headers);
  }
}

}  // namespace fetchpool::http
