#include <mutex>
#include <stdexcept>

#include "http/curl_handles.h"

namespace fetchpool::http {

void ensure_curl_global_init() {
  // curl_global_init is not thread-safe before 7.84 and must run once; call_once makes
  // the first Engine constructed, on whichever thread, do it. curl_global_cleanup is
  // deliberately never called: Engines may outlive any static destructor order.
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    throw std::runtime_error(std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
  }
}

}  // namespace fetchpool::http
