#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fetchpool/export.h"

namespace fetchpool {

/// Identifies one submitted transfer within its Engine; never reused by that Engine.
using TransferId = std::uint64_t;

/// How a transfer ended.
enum class Status {
  ok,         ///< The file is complete (and verified, when a digest was given) under its final name.
  skipped,    ///< The final name already existed and the engine was told to keep it (IfExists::skip).
  failed,     ///< See Result::category and Result::message.
  cancelled,  ///< Cancelled through TransferHandle::cancel, Engine::cancel_all or the Engine's destructor.
};

/// Why a transfer failed. Stable: the CLI's report prints these names.
enum class ErrorCategory {
  none,           ///< Not failed.
  network,        ///< DNS, connect, reset, truncated body.
  tls,            ///< Certificate verification or handshake failure.
  timeout,        ///< A deadline passed (connect timeout, overall deadline).
  stalled,        ///< No byte arrived for the stall timeout.
  http,           ///< The server answered with status >= 400 (see Result::http_status).
  checksum,       ///< The bytes did not match the expected digest or size.
  filesystem,     ///< The output could not be created, written or renamed.
  cancelled,      ///< The transfer was cancelled.
  invalid_input,  ///< Bad URL, unsafe output name, duplicate output path, bad digest spec.
  too_large,      ///< A body kept in memory was larger than Request::memory_limit.
  /// The server's answer was not the body asked for: a 206 for another range than the
  /// request's, a 3xx without Location, a 304 to an unconditional request, fewer bytes
  /// than it stated. Retried like a network failure (a proxy may have mangled it).
  protocol,
};

/// The outcome of one transfer. A plain value: copy it, keep it, pass it between threads.
struct Result {
  TransferId id = 0;
  std::string url;    ///< As submitted, with any user:password removed.
  std::string path;   ///< The final output path (UTF-8), even when failed; empty for to_memory.
  std::string label;  ///< Request::label, what displays call it ("layer 38f2e5912923"); may be empty.
  Status status = Status::failed;
  ErrorCategory category = ErrorCategory::none;
  std::string message;     ///< For a person: what happened and, where possible, what to do.
  int http_status = 0;     ///< The last HTTP status received, 0 when none.
  std::int64_t bytes = 0;  ///< Bytes of the body stored (including any resumed part).
  int attempts = 0;        ///< Attempts started (0 when it never started).
  double elapsed_s = 0.0;  ///< From the first attempt's start to the end.
  /// Why each failed attempt failed, in order ("attempt 1: HTTP 503 Service Unavailable").
  std::vector<std::string> attempt_errors;
  /// For a Request with to_memory that ended ok: the body. One that failed with an HTTP
  /// error status: the start of that response's body (at most 64 KiB), what the server
  /// says of it (a registry's JSON errors, OAuth2's error), or null when it sent none.
  /// Shared and immutable, so copying a Result stays cheap.
  std::shared_ptr<const std::string> body;
  /// For a Request with to_memory: the headers of the last response (after redirects), as
  /// sent and in order, whether it ended ok or failed with an HTTP status (a 401's
  /// WWW-Authenticate). Empty for a file: a download of many files keeps no headers.
  std::vector<std::pair<std::string, std::string>> headers;

  /// The value of the first header named `name` (any case) in `headers`; empty when none.
  FETCHPOOL_API std::string_view header(std::string_view name) const;

  /// True for Status::ok and Status::skipped: the final name holds the file.
  bool ok() const { return status == Status::ok || status == Status::skipped; }
};

/// Lower-case names used in reports ("ok", "failed", ...; "network", "http", ...).
FETCHPOOL_API std::string_view to_string(Status status);
FETCHPOOL_API std::string_view to_string(ErrorCategory category);

}  // namespace fetchpool
