#include "engine/easy_pool.h"

#include <stdexcept>
#include <string>

namespace fetchpool::engine {
namespace {

// Large enough that a fast transfer costs few callbacks and syscalls. Below glibc's mmap
// threshold (128 KiB) on purpose: libcurl allocates this buffer per transfer, and at 128 KiB
// every allocation was a fresh mmap, costing 1-2 page faults per small file (measured).
constexpr long kReceiveBufferBytes = 100 * 1024;

/// The options every transfer of this engine shares, once per new easy handle.
void configure_new_easy(CURL* easy, const EngineOptions& options, CURLSH* share) {
  curl_easy_setopt(easy, CURLOPT_SHARE, share);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);

  // Only http(s). Redirects are the engine's to follow (follow_to): it decides per hop
  // which credentials and headers go, and refuses a downgrade to plain http.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);

  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_s * 1000));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));

  std::string agent = options.user_agent.empty() ? "fetchpool/" FETCHPOOL_VERSION : options.user_agent;
  curl_easy_setopt(easy, CURLOPT_USERAGENT, agent.c_str());  // curl copies strings it is given

  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_cert_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_cert_file.c_str());

  // Credentials themselves are set per request (set_request_target): not every origin a
  // redirect leads to may have them.
  if (options.use_netrc && !options.netrc_file.empty())
    curl_easy_setopt(easy, CURLOPT_NETRC_FILE, options.netrc_file.c_str());
}

}  // namespace

EasyPool::EasyPool(const EngineOptions& options) : options_(options), share_(curl_share_init()) {
  if (!share_) throw std::runtime_error("cannot create libcurl handles (out of memory?)");
  // One loop thread uses the share, so it needs no lock callbacks.
  curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

http::CurlEasy EasyPool::take() {
  http::CurlEasy easy;
  if (!idle_.empty()) {
    easy = std::move(idle_.back());
    idle_.pop_back();
  } else {
    easy.reset(curl_easy_init());
    if (easy) configure_new_easy(easy.get(), options_, share_.get());
  }
  return easy;
}

void EasyPool::give_back(CURL* easy, bool reusable) {
  if (reusable && idle_.size() < static_cast<std::size_t>(options_.max_concurrent)) {
    idle_.emplace_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

}  // namespace fetchpool::engine
