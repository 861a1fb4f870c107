#include "registry/registry_client.h"

#include <curl/curl.h>

#include <cctype>
#include <utility>

#include "hash/digest.h"
#include "http/curl_handles.h"
#include "registry/manifest.h"

namespace fetchpool::registry {
namespace {

constexpr std::size_t kMaxManifestBytes = 4 * 1024 * 1024;  // the spec's limit for manifests

struct Response {
  std::string body;
  std::string content_type;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto& response = *static_cast<Response*>(user);
  std::size_t length = size * count;
  if (response.body.size() + length > kMaxManifestBytes) {
    response.too_large = true;
    return 0;
  }
  response.body.append(data, length);
  return length;
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto& response = *static_cast<Response*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) response.content_type.clear();  // a new response (redirect)
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "content-type") {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    response.content_type = std::string(value);
  }
  return size * count;
}

}  // namespace

RegistryClient::RegistryClient(ImageReference reference, RegistryClientOptions options)
    : reference_(std::move(reference)), options_(std::move(options)) {}

std::string RegistryClient::base_url() const {
  bool plain = options_.plain_http || reference_.is_loopback();
  return std::string(plain ? "http://" : "https://") + reference_.api_host() + "/v2/" +
         reference_.repository + "/";
}

std::string RegistryClient::blob_url(const std::string& digest) const {
  return base_url() + "blobs/" + digest;
}

bool RegistryClient::get_manifest(const std::string& reference, std::string* body, std::string* content_type,
                                  std::string* digest, std::string* error) {
  http::ensure_curl_global_init();
  http::CurlEasy easy(curl_easy_init());
  if (!easy) {
    *error = "cannot create a libcurl handle";
    return false;
  }
  std::string url = base_url() + "manifests/" + reference;
  Response response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::string accept = "Accept: " + std::string(kManifestAccept);
  http::CurlSlist headers(curl_slist_append(nullptr, accept.c_str()));
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_cert_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_cert_file.c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "fetchpool/" FETCHPOOL_VERSION);

  CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  std::string where = "manifest " + reference_.familiar_name() + " (" + url + ")";
  if (response.too_large) {
    *error = where + ": larger than 4 MiB, which no manifest is";
    return false;
  }
  if (code != CURLE_OK) {
    *error = where + ": " + (error_buffer[0] ? error_buffer : curl_easy_strerror(code));
    return false;
  }
  if (status == 401) {
    *error = where + ": the registry asks for credentials, which `fetchpool pull` does not send yet";
    return false;
  }
  if (status == 404) {
    *error = where + ": not found (HTTP 404): check the repository name and the tag";
    return false;
  }
  if (status != 200) {
    *error = where + ": HTTP " + std::to_string(status);
    return false;
  }
  hash::Digest sha256("sha256");
  sha256.update(response.body.data(), response.body.size());
  std::string actual = "sha256:" + sha256.finish();
  if (reference.rfind("sha256:", 0) == 0 && actual != reference) {
    *error = where + ": the registry sent a manifest whose digest is " + actual + ", not the one asked for";
    return false;
  }
  *body = std::move(response.body);
  *content_type = std::move(response.content_type);
  *digest = actual;
  return true;
}

}  // namespace fetchpool::registry
