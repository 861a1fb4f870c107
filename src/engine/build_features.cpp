// What this build of fetchpool can do, for `fetchpool --version`'s "Features:" line (curl -V's
// shape): read from the libraries at run time, since a shared libcurl may be another build
// than the one compiled against.

#include <curl/curl.h>
#include <utf8proc.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "fetchpool/engine.h"

namespace fetchpool {

std::vector<std::string> build_features() {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  std::vector<std::string> features;
  if ((curl->features & CURL_VERSION_HTTP2) != 0) features.emplace_back("HTTP2");
  if ((curl->features & CURL_VERSION_HTTP3) != 0) features.emplace_back("HTTP3");
  if (curl->ssl_version != nullptr) features.emplace_back(curl->ssl_version);  // "OpenSSL/3.0.19"
  // --proxy and the *_proxy variables: http:// and socks*:// always (libcurl has no flag for
  // them), https:// when libcurl can speak TLS to the proxy.
  features.emplace_back("HTTP-proxy");
  if ((curl->features & CURL_VERSION_HTTPS_PROXY) != 0) features.emplace_back("HTTPS-proxy");
  features.emplace_back("SOCKS-proxy");
  if ((curl->features & CURL_VERSION_IPV6) != 0) features.emplace_back("IPv6");
  if ((curl->features & CURL_VERSION_IDN) != 0) features.emplace_back("IDN");
  // fetchpool's own: gzip and zstd layers read by `pull`, and the terminal's column widths.
  features.emplace_back(std::string("libz/") + zlibVersion());
  features.emplace_back(std::string("zstd/") + ZSTD_versionString());
  features.emplace_back(std::string("utf8proc/") + utf8proc_version());
  return features;
}

}  // namespace fetchpool
