#include "engine/body_rule.h"

#include "http/url.h"
#include "text/server_text.h"

namespace fetchpool::engine {
namespace {

// A header value as a message may quote it: at most 120 bytes of it.
std::string quote_server(std::string_view value) {
  return text::quote_server_text(value, 120);
}

std::string status_text(long status, const http::ResponseHeaders& headers) {
  // "HTTP/1.1 302 Found" -> "HTTP 302 Found"; HTTP/2 has no reason phrase.
  std::string text = "HTTP " + std::to_string(status);
  const std::string& line = headers.status_line;
  std::size_t code_at = line.find(' ');
  std::size_t reason_at = code_at == std::string::npos ? code_at : line.find(' ', code_at + 1);
  if (reason_at != std::string::npos && reason_at + 1 < line.size())
    text += quote_server(std::string_view(line).substr(reason_at));
  return text;
}

BodyPlan violation(std::string problem) {
  BodyPlan plan;
  plan.problem = std::move(problem);
  return plan;
}

std::string length_text(std::int64_t content_length) {
  return content_length >= 0 ? "Content-Length: " + std::to_string(content_length) : "no Content-Length";
}

BodyPlan plan_partial(const AskedRange& asked, std::int64_t content_length,
                      const http::ResponseHeaders& headers, const std::string& said) {
  const std::string quoted = said + " (Content-Range: " + quote_server(headers.content_range) + ")";
  if (!asked.any()) return violation(quoted + " to a request for the whole file");
  if (!headers.range_start || headers.range_end < *headers.range_start)
    return violation(
        said + " without a usable Content-Range" +
        (headers.content_range.empty() ? "" : " ('" + quote_server(headers.content_range) + "')") +
        " to a request for " + describe_asked(asked));
  const std::int64_t start = *headers.range_start;
  const std::int64_t end = headers.range_end + 1;
  const std::int64_t total = headers.range_total;
  const bool ends_as_asked = asked.end >= 0 ? end == asked.end : total >= 0 && end == total;
  if (start != asked.begin || !ends_as_asked || (total >= 0 && end > total))
    return violation(quoted + " to a request for " + describe_asked(asked));
  if (content_length >= 0 && content_length != end - start)
    return violation(quoted + " with " + length_text(content_length) + ", not the " +
                     std::to_string(end - start) + " bytes of that range");
  BodyPlan plan;
  plan.is_body = true;
  plan.offset = start;
  plan.end = end;
  plan.total = total;
  return plan;
}

}  // namespace

std::string describe_asked(const AskedRange& asked) {
  if (!asked.any()) return "the whole file";
  return "bytes " + std::to_string(asked.begin) + "-" + (asked.end >= 0 ? std::to_string(asked.end - 1) : "");
}

BodyPlan plan_body(const AskedRange& asked, long status, std::int64_t content_length,
                   const http::ResponseHeaders& headers) {
  const std::string said = status_text(status, headers);
  if (status == 200) {
    // The whole body, whatever was asked: a server that ignores Range, or whose version
    // changed since the bytes on disk (If-Range), sends it all from byte 0.
    BodyPlan plan;
    plan.is_body = true;
    plan.end = content_length;
    plan.total = content_length;
    return plan;
  }
  if (status == 206) return plan_partial(asked, content_length, headers, said);
  if (status == 304) return violation(said + " to a request that was not conditional: no body to keep");
  if (status >= 300 && status < 400) {
    return violation(said +
                     (headers.location.empty() ? " without a Location header"
                                               : " that could not be followed (Location: " +
                                                     quote_server(http::redact_url(headers.location)) + ")") +
                     ": nothing to save");
  }
  return violation(said + " is not a file's body (only 200, or 206 for the range asked, is)");
}

std::string check_body_length(const BodyPlan& plan, std::int64_t received_to) {
  if (plan.end < 0 || received_to == plan.end) return {};
  return "the server stated " + std::to_string(plan.end - plan.offset) + " bytes from byte " +
         std::to_string(plan.offset) + " but sent " + std::to_string(received_to - plan.offset);
}

}  // namespace fetchpool::engine
