#include "http/url.h"

#include <cctype>
#include <string>

#include "http/curl_handles.h"

namespace fetchpool::http {
namespace {

// Returns a curl_url part as a std::string, "" when absent.
std::string get_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) return {};
  std::string result(value);
  curl_free(value);
  return result;
}

}  // namespace

bool parse_url(std::string_view url, ParsedUrl* out, std::string* error) {
  CurlUrl handle(curl_url());
  if (!handle) {
    *error = "out of memory";
    return false;
  }
  std::string text(url);
  if (text.find('\0') != std::string::npos) {
    *error = "invalid URL: contains a NUL byte";
    return false;
  }
  // No CURLU_DEFAULT_SCHEME: a bare "example.com/x" is more likely a mistake than a wish.
  CURLUcode code = curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (code != CURLUE_OK) {
    *error = std::string("invalid URL: ") + curl_url_strerror(code) +
             " (expected http://host/path or https://host/path)";
    return false;
  }
  out->scheme = get_part(handle.get(), CURLUPART_SCHEME);
  for (char& c : out->scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out->scheme != "http" && out->scheme != "https") {
    *error = "unsupported URL scheme '" + out->scheme + "': only http and https are supported";
    return false;
  }
  std::string host = get_part(handle.get(), CURLUPART_HOST);
  if (host.empty()) {
    *error = "invalid URL: no host name";
    return false;
  }
  std::string port = get_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  out->host_key = out->scheme + "://" + host + ":" + port;
  out->path = get_part(handle.get(), CURLUPART_PATH);
  if (out->path.empty()) out->path = "/";
  curl_url_set(handle.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(handle.get(), CURLUPART_PASSWORD, nullptr, 0);
  out->redacted = get_part(handle.get(), CURLUPART_URL);
  return true;
}

std::string redact_url(std::string_view url) {
  ParsedUrl parsed;
  std::string error;
  if (parse_url(url, &parsed, &error)) return parsed.redacted;
  // Unparsable: still never echo "user:password@" back.
  std::string text(url);
  std::size_t authority = text.find("://");
  authority = authority == std::string::npos ? 0 : authority + 3;
  std::size_t at = text.find('@', authority);
  std::size_t slash = text.find('/', authority);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    text.erase(authority, at + 1 - authority);
  }
  return text;
}

}  // namespace fetchpool::http
