#pragma once

#include <vector>

#include "fetchpool/options.h"
#include "http/curl_handles.h"

namespace fetchpool::engine {

/// The loop's libcurl easy handles. A new one gets the options every transfer of the
/// engine shares, and the engine's DNS and TLS session cache (one CURLSH, used by the loop
/// thread alone, so without locks); a used one is kept, not reset, so its connections and
/// receive buffer are reused. What differs between requests is set by configure_attempt()
/// and configure_segment_request(), every time.
class EasyPool {
 public:
  /// `options` must outlive the pool. Throws when libcurl cannot make the share handle.
  explicit EasyPool(const EngineOptions& options);

  /// A kept handle, or a new one; empty when libcurl cannot make one.
  http::CurlEasy take();
  /// Keeps `easy` (detached from the multi handle) for the next request, while fewer
  /// than max_concurrent are kept; frees it otherwise.
  /// Not `reusable`: it paused on a rate cap (RateBucket) and holds bytes libcurl kept for
  /// the transfer it served; it is cleaned up rather than lent again.
  void give_back(CURL* easy, bool reusable = true);

 private:
  const EngineOptions& options_;
  http::CurlShare share_;
  std::vector<http::CurlEasy> idle_;  ///< After the share they point at, so freed before it.
};

}  // namespace fetchpool::engine
