#include "registry/registry_client.h"

#include <curl/curl.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "hash/digest.h"
#include "http/curl_handles.h"
#include "registry/manifest.h"

namespace fetchpool::registry {
namespace {

constexpr std::size_t kMaxReplyBytes = 4 * 1024 * 1024;  // the spec's limit for manifests

std::string trim(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  return std::string(value);
}

// `Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"`:
// the scheme, and the parameters (quoted values may hold commas).
std::string parse_challenge(const std::string& challenge, std::map<std::string, std::string>* parameters) {
  std::size_t space = challenge.find(' ');
  std::string scheme = challenge.substr(0, space);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t at = space == std::string::npos ? challenge.size() : space + 1;
  while (at < challenge.size()) {
    std::size_t equals = challenge.find('=', at);
    if (equals == std::string::npos) break;
    std::string key = trim(std::string_view(challenge).substr(at, equals - at));
    std::string value;
    at = equals + 1;
    if (at < challenge.size() && challenge[at] == '"') {
      std::size_t close = challenge.find('"', at + 1);
      if (close == std::string::npos) close = challenge.size();
      value = challenge.substr(at + 1, close - at - 1);
      at = close + 1;
    } else {
      std::size_t comma = challenge.find(',', at);
      value = trim(std::string_view(challenge).substr(
          at, comma == std::string::npos ? std::string::npos : comma - at));
      at = comma == std::string::npos ? challenge.size() : comma;
    }
    at = challenge.find_first_not_of(", ", at);
    if (at == std::string::npos) at = challenge.size();
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    (*parameters)[key] = value;
  }
  return scheme;
}

std::string base64(const std::string& text) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(text[i]) << 16) |
                 (static_cast<unsigned char>(text[i + 1]) << 8) | static_cast<unsigned char>(text[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < text.size()) {
    unsigned n = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < text.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

struct RegistryClient::Reply {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string challenge;  ///< WWW-Authenticate of the last response.
  bool too_large = false;
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto& reply = *static_cast<std::pair<std::string*, bool*>*>(user);
  std::size_t length = size * count;
  if (reply.first->size() + length > kMaxReplyBytes) {
    *reply.second = true;
    return 0;
  }
  reply.first->append(data, length);
  return length;
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto& headers = *static_cast<std::pair<std::string*, std::string*>*>(user);  // content type, challenge
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect)
    headers.first->clear();
    headers.second->clear();
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "content-type") *headers.first = trim(line.substr(colon + 1));
  if (name == "www-authenticate") *headers.second = trim(line.substr(colon + 1));
  return size * count;
}

}  // namespace

RegistryClient::RegistryClient(ImageReference reference, RegistryClientOptions options)
    : reference_(std::move(reference)), options_(std::move(options)) {}

std::string RegistryClient::base_url() const {
  std::string root;
  const std::string& endpoint = options_.endpoint;
  if (endpoint.rfind("http://", 0) == 0 || endpoint.rfind("https://", 0) == 0) {
    root = endpoint;
  } else {
    ImageReference where = reference_;
    if (!endpoint.empty()) where.registry = endpoint;
    bool plain = options_.plain_http || where.is_loopback();
    root = std::string(plain ? "http://" : "https://") + (endpoint.empty() ? where.api_host() : endpoint);
  }
  while (!root.empty() && root.back() == '/') root.pop_back();
  return root + "/v2/" + reference_.repository + "/";
}

std::string RegistryClient::blob_url(const std::string& digest) const {
  return base_url() + "blobs/" + digest;
}

bool RegistryClient::get(const std::string& url, const std::string& accept, bool send_authorization,
                         const std::string& basic_credentials, Reply* reply, std::string* error) {
  http::ensure_curl_global_init();
  http::CurlEasy easy(curl_easy_init());
  if (!easy) {
    *error = "cannot create a libcurl handle";
    return false;
  }
  *reply = Reply{};
  curl_slist* list = nullptr;
  if (!accept.empty()) list = curl_slist_append(list, ("Accept: " + accept).c_str());
  if (send_authorization && !authorization_.empty())
    list = curl_slist_append(list, ("Authorization: " + authorization_).c_str());
  http::CurlSlist headers(list);
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::pair<std::string*, bool*> body_sink{&reply->body, &reply->too_large};
  std::pair<std::string*, std::string*> header_sink{&reply->content_type, &reply->challenge};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body_sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &header_sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_cert_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_cert_file.c_str());
  if (!basic_credentials.empty()) curl_easy_setopt(h, CURLOPT_USERPWD, basic_credentials.c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "fetchpool/" FETCHPOOL_VERSION);
  CURLcode code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply->status);
  if (reply->too_large) {
    *error = "the answer is larger than 4 MiB, which no manifest or token is";
    return false;
  }
  if (code != CURLE_OK) {
    *error = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    if (code == CURLE_PEER_FAILED_VERIFICATION)
      *error += ": use --ca-cert FILE to trust its CA, or --insecure";
    if (code == CURLE_COULDNT_CONNECT) *error = "cannot connect: " + *error;
    if (code == CURLE_COULDNT_RESOLVE_HOST)
      *error = "cannot resolve the host: " + *error + ": check the name";
    return false;
  }
  return true;
}

bool RegistryClient::authorize(const std::string& challenge, std::string* error) {
  std::map<std::string, std::string> parameters;
  std::string scheme = parse_challenge(challenge, &parameters);
  if (scheme == "basic") {
    if (options_.credentials.empty()) {
      *error =
          "the registry asks for credentials: give --username and --password-stdin, or log in with docker";
      return false;
    }
    authorization_ = "Basic " + base64(options_.credentials);
    return true;
  }
  if (scheme != "bearer" || parameters["realm"].empty()) {
    *error = "the registry asks for an authentication fetchpool does not speak: " + challenge;
    return false;
  }
  std::string scope =
      parameters.count("scope") ? parameters["scope"] : "repository:" + reference_.repository + ":pull";
  std::string url = parameters["realm"] + (parameters["realm"].find('?') == std::string::npos ? "?" : "&") +
                    "service=" + url_encode(parameters["service"]) + "&scope=" + url_encode(scope);
  Reply reply;
  if (!get(url, "", false, options_.credentials, &reply, error)) {
    *error = "token request to " + parameters["realm"] + " failed: " + *error;
    return false;
  }
  if (reply.status == 401 || reply.status == 403) {
    *error =
        options_.credentials.empty()
            ? "the registry's token service refuses anonymous access: give --username and --password-stdin"
            : "the registry's token service refuses these credentials (HTTP " + std::to_string(reply.status) +
                  ")";
    return false;
  }
  auto json = nlohmann::json::parse(reply.body, nullptr, false);
  std::string token;
  if (reply.status == 200 && json.is_object()) token = json.value("token", json.value("access_token", ""));
  if (token.empty()) {
    *error = "the token service at " + parameters["realm"] + " answered HTTP " +
             std::to_string(reply.status) + " without a token";
    return false;
  }
  authorization_ = "Bearer " + token;
  return true;
}

bool RegistryClient::renew_authorization(std::string* error) {
  if (last_challenge_.empty()) {
    *error = "the registry refused a blob without asking for credentials first";
    return false;
  }
  return authorize(last_challenge_, error);
}

bool RegistryClient::get_manifest(const std::string& reference, std::string* body, std::string* content_type,
                                  std::string* digest, std::string* error) {
  std::string url = base_url() + "manifests/" + reference;
  std::string where = "manifest " + reference_.familiar_name() + " (" + url + ")";
  Reply reply;
  // At most one challenge answered per request: a second 401 means the credentials are not enough.
  for (int round = 0; round < 2; ++round) {
    if (!get(url, kManifestAccept, true, "", &reply, error)) {
      *error = where + ": " + *error;
      return false;
    }
    if (reply.status != 401 || round == 1) break;
    last_challenge_ = reply.challenge;
    if (!authorize(reply.challenge, error)) {
      *error = where + ": " + *error;
      return false;
    }
  }
  if (reply.status == 401) {
    *error = where + ": HTTP 401 even with " +
             (options_.credentials.empty() ? "an anonymous token: give --username and --password-stdin"
                                           : "the credentials given");
    return false;
  }
  if (reply.status == 404) {
    *error = where + ": not found (HTTP 404): check the repository name and the tag";
    return false;
  }
  if (reply.status != 200) {
    *error = where + ": HTTP " + std::to_string(reply.status);
    return false;
  }
  hash::Digest sha256("sha256");
  sha256.update(reply.body.data(), reply.body.size());
  std::string actual = "sha256:" + sha256.finish();
  if (reference.rfind("sha256:", 0) == 0 && actual != reference) {
    *error = where + ": the registry sent a manifest whose digest is " + actual + ", not the one asked for";
    return false;
  }
  *body = std::move(reply.body);
  *content_type = std::move(reply.content_type);
  *digest = actual;
  return true;
}

}  // namespace fetchpool::registry
