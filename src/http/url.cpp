#include "http/url.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

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
  out->host = std::move(host);
  out->user = get_part(handle.get(), CURLUPART_USER, CURLU_URLDECODE);
  out->password = get_part(handle.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);
  out->path = get_part(handle.get(), CURLUPART_PATH);
  if (out->path.empty()) out->path = "/";
  // The one redaction everything printed goes through, not libcurl's view of the userinfo.
  out->redacted = redact_url(url);
  return true;
}

bool redirect_keeps_trust(std::string_view from_host_key, const ParsedUrl* target, bool trust_any_origin) {
  const bool downgraded =
      from_host_key.rfind("https://", 0) == 0 && (target == nullptr || target->scheme != "https");
  const bool same_origin = target != nullptr && target->host_key == from_host_key;
  return !downgraded && (same_origin || trust_any_origin);
}

std::string redact_url(std::string_view url) {
  // Cut the userinfo out of the text before any parser sees it: a password holding an
  // unescaped '@', '/', '?' or '#' either fails to parse or parses into another host, and a
  // fallback after a failed parse is where such passwords used to leak.
  std::string text(url);
  std::size_t start = text.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  // RFC 3986: the authority ends at the first '/', '?' or '#'; its userinfo at its last '@'.
  std::size_t authority_end = std::min(text.find_first_of("/?#", start), text.size());
  std::size_t at = text.substr(0, authority_end).rfind('@');
  if (at == std::string::npos && authority_end < text.size() && text[authority_end] != '/' &&
      text.substr(start, authority_end - start).find(':') != std::string::npos) {
    // "http://bob:123#x@host/" parses (host bob, port 123), but after "name:digits" an '@'
    // following the '?' or '#' that ends the authority, before any '/', is a password's
    // tail: cut up to it ("http://host:80?mail=a@b" is cut too; a password is never shown).
    std::size_t slash = std::min(text.find('/', authority_end), text.size());
    at = text.substr(0, slash).rfind('@');
  }
  if (at != std::string::npos && at >= start) text.erase(start, at + 1 - start);
  // What libcurl accepts is given back in libcurl's form, as it was always reported.
  CurlUrl handle(curl_url());
  if (handle && text.find('\0') == std::string::npos &&
      curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    std::string normalised = get_part(handle.get(), CURLUPART_URL);
    if (!normalised.empty()) return normalised;
  }
  // Malformed: a '/', '?' or '#' in the password ended the authority too early, so anything
  // up to the last '@' anywhere may be userinfo. Too much cut is harmless in a URL that
  // cannot run; a password printed is not.
  at = text.rfind('@');
  if (at != std::string::npos && at >= start) text.erase(start, at + 1 - start);
  return text;
}

}  // namespace fetchpool::http
