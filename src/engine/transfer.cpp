#include "engine/transfer.h"

#include <cstring>
#include <string>

#include "fetchpool/engine.h"

namespace fetchpool::engine {
namespace {

// Large enough that a fast transfer costs few callbacks and syscalls. Below glibc's mmap
// threshold (128 KiB) on purpose: libcurl allocates this buffer per transfer, and at 128 KiB
// every allocation was a fresh mmap, costing 1-2 page faults per small file (measured).
constexpr long kReceiveBufferBytes = 100 * 1024;

std::string trim_line(const char* data, std::size_t size) {
  while (size > 0 && (data[size - 1] == '\r' || data[size - 1] == '\n')) --size;
  return std::string(data, size);
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto& transfer = *static_cast<Transfer*>(user);
  std::size_t length = size * count;
  ++transfer.activity;
  if (length > 5 && std::memcmp(data, "HTTP/", 5) == 0) {
    try {
      transfer.status_line = trim_line(data, length);
    } catch (...) {
      // Out of memory for a status line: the status code still comes from curl.
    }
  }
  return length;
}

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto& transfer = *static_cast<Transfer*>(user);
  std::size_t length = size * count;
  ++transfer.activity;
  if (!transfer.body_started) {
    transfer.body_started = true;
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    transfer.discard_body = status >= 400;
    curl_off_t expected = -1;
    curl_easy_getinfo(transfer.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
    if (!transfer.discard_body) transfer.sink->expect_size(expected);
  }
  if (transfer.discard_body) return length;
  if (!transfer.sink->write(data, length, &transfer.write_error)) return 0;  // aborts: CURLE_WRITE_ERROR
  if (transfer.digest) transfer.digest->update(data, length);
  transfer.bytes += static_cast<std::int64_t>(length);
  return length;
}

std::string host_of(const Transfer& transfer) {
  const std::string& key = transfer.url.host_key;
  std::size_t start = key.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::size_t colon = key.rfind(':');
  return key.substr(start, colon == std::string::npos || colon < start ? std::string::npos : colon - start);
}

}  // namespace

void configure_new_easy(CURL* easy, const EngineOptions& options, CURLSH* share) {
  curl_easy_setopt(easy, CURLOPT_SHARE, share);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);

  // Only http(s), also after redirects: a redirect to file:// or ftp:// is refused.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));

  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_s * 1000));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));

  std::string agent = options.user_agent.empty() ? "fetchpool/" FETCHPOOL_VERSION : options.user_agent;
  curl_easy_setopt(easy, CURLOPT_USERAGENT, agent.c_str());  // curl copies strings it is given

  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_cert_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_cert_file.c_str());

  if (!options.credentials.empty()) curl_easy_setopt(easy, CURLOPT_USERPWD, options.credentials.c_str());
  if (options.use_netrc) {
    curl_easy_setopt(easy, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
    if (!options.netrc_file.empty()) curl_easy_setopt(easy, CURLOPT_NETRC_FILE, options.netrc_file.c_str());
  }
}

void configure_attempt(CURL* easy, Transfer& transfer) {
  // Every option that differs between transfers is set here, every time: handles are
  // reused without curl_easy_reset (which would also drop the receive buffer each time).
  transfer.easy = easy;
  transfer.error_buffer[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_URL, transfer.request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error_buffer);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  // On https, wait for a multiplexed HTTP/2 stream rather than open yet another connection.
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, transfer.url.scheme == "https" ? 1L : 0L);

  curl_slist* list = nullptr;
  for (const std::string& header : transfer.request.headers) {
    curl_slist* next = curl_slist_append(list, header.c_str());
    if (next == nullptr) break;
    list = next;
  }
  transfer.headers.reset(list);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
}

void describe_failure(CURLcode code, const Transfer& transfer, const EngineOptions& options, Result* result) {
  std::string detail = transfer.error_buffer[0] != '\0' ? transfer.error_buffer : curl_easy_strerror(code);
  switch (code) {
    case CURLE_WRITE_ERROR:
      result->category = ErrorCategory::filesystem;
      result->message = transfer.write_error.empty() ? detail : transfer.write_error;
      return;
    case CURLE_COULDNT_RESOLVE_HOST:
      result->category = ErrorCategory::network;
      result->message = "cannot resolve host '" + host_of(transfer) + "': check the name and your DNS";
      return;
    case CURLE_COULDNT_RESOLVE_PROXY:
      result->category = ErrorCategory::network;
      result->message = "cannot resolve the proxy: check HTTP_PROXY/HTTPS_PROXY (" + detail + ")";
      return;
    case CURLE_COULDNT_CONNECT:
      result->category = ErrorCategory::network;
      result->message = "cannot connect: " + detail;
      return;
    case CURLE_OPERATION_TIMEDOUT:
      result->category = ErrorCategory::timeout;
      result->message = detail;
      return;
    case CURLE_PEER_FAILED_VERIFICATION:
      result->category = ErrorCategory::tls;
      result->message = "TLS certificate verification failed: " + detail +
                        ": use --ca-cert FILE to trust its CA, or --insecure to skip verification";
      return;
    case CURLE_SSL_CACERT_BADFILE:
      result->category = ErrorCategory::tls;
      result->message = "cannot read CA certificates '" + options.ca_cert_file + "': " + detail;
      return;
    case CURLE_SSL_CONNECT_ERROR:
      result->category = ErrorCategory::tls;
      result->message = "TLS handshake failed: " + detail;
      return;
    case CURLE_TOO_MANY_REDIRECTS:
      result->category = ErrorCategory::http;
      result->message = "more than " + std::to_string(options.max_redirects) + " redirects";
      return;
    case CURLE_UNSUPPORTED_PROTOCOL:
      result->category = ErrorCategory::invalid_input;
      result->message = "redirected to an unsupported protocol: " + detail;
      return;
    case CURLE_PARTIAL_FILE:
      result->category = ErrorCategory::network;
      result->message = "connection closed early: " + detail;
      return;
    case CURLE_LOGIN_DENIED:
      result->category = ErrorCategory::http;
      result->message = "login denied: check the credentials";
      return;
    default:
      result->category = ErrorCategory::network;
      result->message = detail;
      return;
  }
}

}  // namespace fetchpool::engine
