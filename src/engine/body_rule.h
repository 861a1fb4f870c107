#pragma once

#include <cstdint>
#include <string>

#include "http/response_headers.h"

namespace fetchpool::engine {

/// What one request asked for: the whole body, or bytes [begin, end) of it (`end` -1: to
/// the end of the body).
struct AskedRange {
  std::int64_t begin = 0;
  std::int64_t end = -1;
  bool any() const { return begin > 0 || end >= 0; }
};

/// Where the body of a response goes, or why the response is not a body at all.
struct BodyPlan {
  bool is_body = false;
  std::int64_t offset = 0;  ///< Where the body's first byte belongs in the file.
  std::int64_t end = -1;    ///< One past its last byte, when the response states it.
  std::int64_t total = -1;  ///< The whole file's length, when the response states it.
  /// When not a body: what the server said and why that is not what was asked, for a
  /// person ("HTTP 206 for bytes 100-199/5000 to a request for bytes 100-").
  std::string problem;
};

/// The body rule, for every request the engine makes (a plain download, a resume, one
/// segment of a split download, a body kept in memory): only a 200, or a 206 whose
/// Content-Range covers exactly the range asked (to the stated total when the request was
/// open-ended) with a Content-Length that agrees, is ever body. Everything else below 400
/// (a 3xx that was not followed, a 304, a 204, a 206 to a request without Range) is a
/// protocol violation. `content_length` is -1 when the response gives none. Error pages
/// (>= 400) are judged elsewhere: not to be passed here.
BodyPlan plan_body(const AskedRange& asked, long status, std::int64_t content_length,
                   const http::ResponseHeaders& headers);

/// The rule at the end of a body: the bytes received equal the length the response
/// stated (`plan.end - plan.offset`, when it stated one). Empty when they do; otherwise
/// what went wrong, for a person.
std::string check_body_length(const BodyPlan& plan, std::int64_t received_to);

/// "bytes 100-" or "bytes 100-199": a range as a Range header names it, for messages.
std::string describe_asked(const AskedRange& asked);

}  // namespace fetchpool::engine
