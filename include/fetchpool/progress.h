#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fetchpool/result.h"

namespace fetchpool {

/// A running transfer counts as stalled once nothing has arrived for this many seconds
/// (ProgressTotals::stalled; displays mark such transfers). Unlike the stall timeout, it
/// does not end the attempt.
constexpr double kStalledAfterSeconds = 5.0;

/// Where one unfinished transfer stands.
enum class Phase {
  queued,      ///< Waiting for a slot (not listed in snapshots; counted in totals).
  connecting,  ///< Started; no response byte yet.
  receiving,   ///< Bytes are arriving (or have, and the stall timeout has not passed).
  waiting,     ///< Between attempts, holding no connection; see retry_in_s.
};

/// One running or waiting transfer, as of the snapshot.
struct TransferProgress {
  TransferId id = 0;
  std::string path;   ///< The final output path (UTF-8).
  std::string label;  ///< Request::label: a display's name for it, when set.
  Phase phase = Phase::queued;
  std::int64_t bytes = 0;   ///< Stored so far, including a resumed part.
  std::int64_t total = -1;  ///< Size of the whole body, -1 when unknown.
  double rate = 0;          ///< Bytes per second, smoothed over the last seconds.
  double elapsed_s = 0;     ///< Since the first attempt started.
  double idle_s = 0;        ///< Since the last byte arrived (or the attempt started).
  int connections = 0;      ///< Connections fetching it now (several for a split download).
  int attempt = 0;          ///< 1 for the first attempt.
  int max_attempts = 0;     ///< 1 + retries.
  double retry_in_s = 0;    ///< For Phase::waiting: seconds until the next attempt.
  std::string last_error;   ///< For Phase::waiting: why the last attempt failed.
};

/// The totals over everything submitted to an Engine so far.
struct ProgressTotals {
  std::int64_t submitted = 0;
  std::int64_t ok = 0;      ///< Includes skipped.
  std::int64_t failed = 0;  ///< Includes cancelled.
  std::int64_t running = 0;
  std::int64_t queued = 0;
  std::int64_t waiting = 0;  ///< Between attempts.
  std::int64_t stalled = 0;  ///< Running, and idle for kStalledAfterSeconds or more.
  std::int64_t bytes = 0;    ///< Received by all transfers, finished ones included.
  double rate = 0;           ///< Bytes per second over all transfers, smoothed.
  double elapsed_s = 0;      ///< Since the Engine started.
};

/// Something that happened to a transfer, for EngineOptions::on_event. (Its end is
/// reported through EngineOptions::on_finished and its handle.)
struct TransferEvent {
  enum class Kind {
    started,     ///< An attempt started (attempt 1 is the transfer's start).
    retrying,    ///< An attempt failed and another one is scheduled.
    redirected,  ///< A redirect is followed; `message`: where to, and what was not sent there.
    split,       ///< The body comes over several connections; `message`: how many, and the parts
                 ///< (or which mirror was dropped from them, and why).
    named,       ///< Request::name_from_server: the server named the file; `path` is the new one.
  };
  Kind kind = Kind::started;
  TransferId id = 0;
  std::string url;   ///< Without user:password.
  std::string path;  ///< As Result::path: empty for a Request with to_memory.
  int attempt = 0;   ///< The attempt that started or failed (of one range, for a split download).
  int max_attempts = 0;
  double retry_in_s = 0;  ///< For retrying.
  std::string message;    ///< For retrying: why the attempt failed.
};

/// One line of what a transfer sends and receives, for a trace like curl's -v: a request or
/// response header line, or libcurl's note on the connection (resolving, connecting, TLS).
/// The values of headers that carry credentials (Authorization, Proxy-Authorization,
/// Cookie, Set-Cookie, and any whose name speaks of a token, key, secret, password, session
/// or signature) are replaced by "[redacted]" before anyone sees the line.
struct WireLine {
  enum class Kind {
    note,      ///< libcurl's own text: "Connected to ...", "SSL connection using ...".
    sent,      ///< A request line or request header line.
    received,  ///< A status line or response header line.
  };
  Kind kind = Kind::note;
  TransferId id = 0;
  std::string text;  ///< Without its line ending.
};

/// A consistent picture of an Engine at one moment, published by its loop thread about
/// ten times a second. Copying one never blocks the data path.
struct ProgressSnapshot {
  ProgressTotals totals;
  std::vector<TransferProgress> transfers;  ///< Running and waiting ones, oldest first.
};

}  // namespace fetchpool
