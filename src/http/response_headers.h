#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fetchpool::http {

/// What the engine reads from a response's headers.
struct ResponseHeaders {
  std::string status_line;  ///< "HTTP/1.1 206 Partial Content"
  std::string etag;         ///< As sent, quotes included; weak ones start with W/.
  std::string last_modified;
  std::string content_type;             ///< As sent, parameters included.
  std::string www_authenticate;         ///< The challenge of a 401, as sent.
  std::optional<double> retry_after_s;  ///< Seconds from now.
  /// "Content-Range: bytes START-END/TOTAL" (TOTAL -1 when "*"), and the value as sent
  /// (quoted when the range is not the one asked for).
  std::optional<std::int64_t> range_start;
  std::int64_t range_end = -1;  ///< Inclusive, as in the header.
  std::int64_t range_total = -1;
  std::string content_range;
  /// The file name Content-Disposition suggests, as sent (see content_disposition.h).
  std::string disposition_name;
  std::string location;  ///< Of a redirect; libcurl follows it, so only a final one stays.
  bool accept_ranges = false;
  /// A digest of the whole representation the server advertised, "algo:hex" (sha256,
  /// sha512 or sha1 preferred in that order); empty when none. Content-Digest counts only
  /// for a full (non-206) response, since on a 206 it covers just the range.
  std::string advertised_digest;

  /// Starts over: a new response (after a redirect, or a new attempt).
  void clear() { *this = ResponseHeaders{}; }
};

/// Every header of one response, names and values as sent (trimmed), in order.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Feeds one raw header line (with or without CRLF) of the current response. `now` is used
/// for a Retry-After given as an HTTP-date. With `all`, each header is also kept there
/// (the first kMaxKeptHeaders of a response; a status line starts the list over).
void parse_header_line(std::string_view line, std::time_t now, ResponseHeaders* headers,
                       HeaderList* all = nullptr);
constexpr std::size_t kMaxKeptHeaders = 256;

/// "sha-256=:BASE64:" (RFC 9530), "SHA-256=BASE64" (RFC 3230), "sha256:HEX", or bare hex,
/// to "sha256:hex"; empty when not understood.
std::string normalise_digest(std::string_view algorithm, std::string_view value);

}  // namespace fetchpool::http
