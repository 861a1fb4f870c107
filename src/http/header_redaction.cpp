#include "http/header_redaction.h"

#include <algorithm>
#include <array>

#include "text/ascii.h"

namespace fetchpool::http {

bool is_credential_header(std::string_view name) {
  const std::string lower = text::lower(name);
  if (lower == "www-authenticate" || lower == "proxy-authenticate") return false;
  constexpr std::array<std::string_view, 9> kWords{
      "authorization", "cookie", "token", "secret", "passw", "session", "signature", "key", "credential"};
  // X-JFrog-Art-Api: a name that ends in "-api" holds the key itself.
  return lower.ends_with("-api") ||
         std::any_of(kWords.begin(), kWords.end(),
                     [&lower](std::string_view word) { return lower.find(word) != std::string::npos; });
}

std::string redact_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::string(line);
  std::string_view name = line.substr(0, colon);
  // A request line ("GET /a:b HTTP/1.1") has its colon after a space; a header name has none.
  if (name.find(' ') != std::string_view::npos) return std::string(line);
  if (!is_credential_header(name)) return std::string(line);
  return std::string(name) + ": [redacted]";
}

}  // namespace fetchpool::http
