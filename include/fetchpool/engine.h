#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fetchpool/export.h"
#include "fetchpool/options.h"
#include "fetchpool/progress.h"
#include "fetchpool/request.h"
#include "fetchpool/result.h"

namespace fetchpool {

namespace detail {
struct TransferState;
}
class TransferHandle;

/// Blocks until one of `handles` has ended, or `timeout` passes. Returns the index of an
/// ended one (the lowest, when several have), or std::nullopt on timeout. An empty
/// handle counts as ended. Efficient for handles of one Engine (it wakes once per ended
/// transfer); handles of several Engines are checked every few milliseconds.
FETCHPOOL_API std::optional<std::size_t> wait_any(std::span<const TransferHandle> handles,
                                                  std::chrono::milliseconds timeout);
/// Blocks until every one of `handles` has ended, or `timeout` passes. True when all have.
FETCHPOOL_API bool wait_all(std::span<const TransferHandle> handles, std::chrono::milliseconds timeout);

/// A submitted transfer. Cheap to copy; every copy refers to the same transfer.
/// All members are safe to call from any thread, also after the Engine is gone.
class FETCHPOOL_API TransferHandle {
 public:
  TransferHandle() = default;

  TransferId id() const;
  /// True once the transfer has ended (in any Status).
  bool done() const;
  /// Blocks until the transfer ends and returns its Result.
  Result wait() const;
  /// Blocks at most `timeout`; std::nullopt when the transfer is still running.
  std::optional<Result> wait_for(std::chrono::milliseconds timeout) const;
  /// Asks the engine to stop the transfer; returns at once. It ends as Status::cancelled
  /// (unless it ended first); its final name is never written. No effect once done.
  void cancel() const;

 private:
  friend class Engine;
  explicit TransferHandle(std::shared_ptr<detail::TransferState> state);
  friend std::optional<std::size_t> wait_any(std::span<const TransferHandle>, std::chrono::milliseconds);
  std::shared_ptr<detail::TransferState> state_;
};

/// Runs transfers on one event-loop thread of its own, started by the constructor.
/// Several Engines may live in one process. Every member is thread-safe.
class FETCHPOOL_API Engine {
 public:
  /// Throws std::invalid_argument for bad options, std::runtime_error when libcurl cannot
  /// be set up.
  explicit Engine(EngineOptions options = {});
  /// Cancels every unfinished transfer and joins the engine's thread before returning.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Queues a request and returns at once. Problems with the request itself (bad URL,
  /// unsafe name) are reported through the handle's Result, never thrown.
  TransferHandle submit(Request request);

  /// Cancels every transfer submitted so far; returns at once.
  void cancel_all();

  /// Blocks until every transfer submitted so far has ended, or `timeout` passes.
  /// Returns true when all have ended.
  bool wait_idle(std::chrono::milliseconds timeout);

  /// Transfers submitted and not yet ended.
  std::int64_t unfinished() const;

  /// The transfers (and connections) run at once: EngineOptions::max_concurrent, or fewer
  /// when the process may not open enough files for that many. The constructor raises the
  /// soft limit on open files to the hard one, then allows each transfer 4 descriptors
  /// beyond those open and 32 spare; compare with what was asked to tell the user.
  int max_concurrent() const;

  /// The latest picture of every running and waiting transfer and of the totals, as the
  /// engine's thread published it (about ten times a second while anything runs, and as
  /// the last unfinished transfer ends: once wait_idle() returns true, the totals count
  /// every transfer). Safe from any thread; takes a short lock that the data path never
  /// takes.
  ProgressSnapshot progress() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// "fetchpool 0.1.0 (libcurl/x OpenSSL/y ...)": this library and what it runs on.
FETCHPOOL_API std::string version_string();

/// What this build can do, as curl -V's "Features:" names them, read from the libraries in
/// use: "HTTP2" (when libcurl has it), the TLS library ("OpenSSL/3.0.19"), the proxies
/// ("HTTP-proxy", "HTTPS-proxy", "SOCKS-proxy"), "IPv6", "IDN", then "libz/V", "zstd/V"
/// (compressed layers) and "utf8proc/V" (text widths). Any thread.
FETCHPOOL_API std::vector<std::string> build_features();

/// `url` with any user:password removed: safe to print or log. Works on the text, so a
/// malformed URL (a password with an unescaped '@', '/', '?' or '#') is redacted too: then
/// everything from "://" to its last '@' goes. Every URL fetchpool prints or writes (Result,
/// TransferEvent, messages) has been through this.
FETCHPOOL_API std::string redact_url(std::string_view url);

/// Whether `url` is one the engine can fetch: an absolute http:// or https:// URL with a
/// host. When not, `why` says why, for a person (a Request with such a URL ends failed,
/// ErrorCategory::invalid_input, with the same words).
FETCHPOOL_API bool check_url(std::string_view url, std::string* why);

/// Whether `name` is safe as Request::file_name (or as a subdirectory): relative, no ".."
/// component, no control characters, not empty. When not, `why` says why, for a person.
FETCHPOOL_API bool is_safe_relative_name(std::string_view name, std::string* why);

}  // namespace fetchpool
