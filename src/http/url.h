#pragma once

#include <string>
#include <string_view>

namespace fetchpool::http {

/// The parts of an absolute http(s) URL that the engine needs.
struct ParsedUrl {
  std::string scheme;    ///< "http" or "https", lower case.
  std::string host_key;  ///< "scheme://host:port": what per-host limits count by.
  std::string path;      ///< Raw (still percent-encoded) path, "/" at least.
  std::string redacted;  ///< The URL without user:password, for messages and reports.
};

/// Parses `url`; on failure returns false and sets `error` to a sentence for a person.
/// Only http and https are accepted.
bool parse_url(std::string_view url, ParsedUrl* out, std::string* error);

/// `url` with any user:password removed; `url` unchanged when it does not parse.
std::string redact_url(std::string_view url);

}  // namespace fetchpool::http
