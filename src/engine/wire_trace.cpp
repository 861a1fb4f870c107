#include "engine/wire_trace.h"

#include <string_view>

#include "engine/transfer.h"
#include "http/header_redaction.h"

namespace fetchpool::engine {
namespace {

void hand_over(const Transfer& transfer, WireLine::Kind kind, std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return;  // the blank line that ends a header block
  WireLine line{kind, transfer.id,
                kind == WireLine::Kind::note ? std::string(text) : http::redact_header_line(text)};
  try {
    transfer.options->on_wire(line);
  } catch (...) {  // a trace must never end a transfer
  }
}

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  const auto& transfer = *static_cast<const Transfer*>(user);
  std::string_view text(data, size);
  switch (type) {
    case CURLINFO_TEXT: hand_over(transfer, WireLine::Kind::note, text); break;
    case CURLINFO_HEADER_IN: hand_over(transfer, WireLine::Kind::received, text); break;
    case CURLINFO_HEADER_OUT:  // a whole request's header block at once
      while (!text.empty()) {
        const std::size_t end = text.find('\n');
        hand_over(transfer, WireLine::Kind::sent, text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      }
      break;
    default:  // bodies and TLS records are not shown
      break;
  }
  return 0;
}

}  // namespace

void set_wire_trace(CURL* easy, Transfer& transfer) {
  const bool tracing = static_cast<bool>(transfer.options->on_wire);
  curl_easy_setopt(easy, CURLOPT_VERBOSE, tracing ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, tracing ? on_debug : nullptr);
  curl_easy_setopt(easy, CURLOPT_DEBUGDATA, tracing ? &transfer : nullptr);
}

}  // namespace fetchpool::engine
