#include "registry/registry_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "hash/digest.h"
#include "http/base64.h"
#include "http/curl_handles.h"
#include "http/response_headers.h"
#include "http/url.h"
#include "registry/manifest.h"

namespace fetchpool::registry {
namespace {

constexpr std::size_t kMaxReplyBytes = 4 * 1024 * 1024;  // the spec's limit for manifests

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
  http::ResponseHeaders headers;  ///< Of the last response (after redirects).
  bool too_large = false;
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto& reply = *static_cast<RegistryClient::Reply*>(user);
  std::size_t length = size * count;
  if (reply.body.size() + length > kMaxReplyBytes) {
    reply.too_large = true;
    return 0;
  }
  reply.body.append(data, length);
  return length;
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto& reply = *static_cast<RegistryClient::Reply*>(user);
  try {
    http::parse_header_line(std::string_view(data, size * count), std::time(nullptr), &reply.headers);
  } catch (...) {
    // Out of memory for a header: the reply is judged without it.
  }
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
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, reply);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_s * 1000));
  if (options_.min_rate_bytes_per_s > 0 || options_.stall_timeout_s > 0) {
    // A silent or trickling registry ends like a silent blob does: below the minimum rate
    // (at least one byte) for the stall window.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT,
                     static_cast<long>(std::max<std::int64_t>(1, options_.min_rate_bytes_per_s)));
    // The engine's window: the stall timeout, or 30 s when that is 0; whole seconds, up.
    const double window_s = options_.stall_timeout_s > 0 ? options_.stall_timeout_s : 30;
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::ceil(window_s)));
  }
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
  http::AuthChallenge parsed = http::parse_auth_challenge(challenge);
  const std::string& scheme = parsed.scheme;
  std::map<std::string, std::string>& parameters = parsed.parameters;
  if (scheme == "basic") {
    if (options_.credentials.empty()) {
      *error =
          "the registry asks for credentials: give --username and --password-stdin, or log in with docker";
      return false;
    }
    authorization_ = "Basic " + http::base64_encode(options_.credentials);
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
    *error = "token request to " + http::redact_url(parameters["realm"]) + " failed: " + *error;
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
    *error = "the token service at " + http::redact_url(parameters["realm"]) + " answered HTTP " +
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
    last_challenge_ = reply.headers.www_authenticate;
    if (!authorize(reply.headers.www_authenticate, error)) {
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
  *content_type = std::move(reply.headers.content_type);
  *digest = actual;
  return true;
}

}  // namespace fetchpool::registry
