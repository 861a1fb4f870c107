#pragma once

#include <curl/curl.h>

namespace fetchpool::engine {

struct Transfer;

/// Has libcurl hand this request's header lines and connection notes to the engine's
/// on_wire callback, redacted, when there is one; otherwise turns its tracing off (a pooled
/// handle may have traced an earlier request).
void set_wire_trace(CURL* easy, Transfer& transfer);

}  // namespace fetchpool::engine
