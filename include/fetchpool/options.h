#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "fetchpool/progress.h"
#include "fetchpool/request.h"
#include "fetchpool/result.h"

namespace fetchpool {

/// Engine-wide settings, fixed when the Engine is constructed.
struct EngineOptions {
  /// Transfers running at once; the rest wait in a queue holding no connection. >= 1.
  int max_concurrent = 16;
  /// Transfers running at once to one scheme://host:port; 0 means no cap beyond max_concurrent.
  /// Set, it is also how many connections splits may fill on that host (see below).
  int max_per_host = 0;

  /// Connections one file may use at once (also counted against max_concurrent and
  /// max_per_host). A body is split over several only when the server takes ranges and
  /// names the version (ETag or Last-Modified) and its size is known, and only into the
  /// room its host has: a file starts with this many connections less those receiving
  /// from its host already (at least one), and running parts are split further as that
  /// room grows. The room is counted below max_per_host instead when that is set and
  /// larger (a server that caps each connection, where every connection is worth having),
  /// and not at all when the parts spread over mirrors.
  int connections_per_file = 4;
  /// No segment of a split body is smaller than this many bytes, so a body is split only
  /// from twice this size on.
  std::int64_t min_split_size = 20 * 1024 * 1024;

  /// Where requests without an absolute directory write (symlinks in it followed: it is
  /// the program's choice). Every name beneath it is made without following a symbolic
  /// link, so a file name or a relative Request::directory never leads outside it.
  std::filesystem::path output_dir = ".";
  IfExists if_exists = IfExists::skip;

  /// TLS: verify the peer's certificate and name (default). false is --insecure.
  bool verify_tls = true;
  /// PEM file of CA certificates to trust instead of the system store. Empty: system store.
  std::string ca_cert_file;

  /// "user:password" sent to every host (not to other hosts a redirect leads to). Empty: none.
  std::string credentials;
  /// Look up credentials in ~/.netrc (or netrc_file) for hosts without explicit ones.
  bool use_netrc = false;
  std::string netrc_file;

  /// The proxy of every request, as curl's --proxy: "[scheme://][user:password@]host[:port]"
  /// (http, https, socks4, socks4a, socks5, socks5h; http when none is given), or "" for
  /// none. Unset: the environment's, as curl reads it: http_proxy for http (HTTP_PROXY is
  /// never read), https_proxy or HTTPS_PROXY for https, else all_proxy or ALL_PROXY.
  std::optional<std::string> proxy;
  /// Hosts reached without the proxy, as curl's --noproxy and NO_PROXY: names (each
  /// matching itself and every host beneath it), IP addresses or CIDR ranges, separated by
  /// commas, or "*" for every host. Unset: no_proxy or NO_PROXY.
  std::optional<std::string> no_proxy;

  /// Seconds to establish a connection (TCP and TLS) before the attempt fails.
  double connect_timeout_s = 10.0;
  /// An attempt that receives no byte for this many seconds fails as stalled. 0: never.
  double stall_timeout_s = 30.0;
  /// The minimum rate: an attempt (or one connection of a split download) that receives
  /// fewer than this many body bytes per second, averaged over a window of stall_timeout_s
  /// (30 s when that is 0), fails as stalled and is retried, so a trickle never holds a
  /// download forever (curl's --speed-limit/--speed-time, aria2's --lowest-speed-limit).
  /// 0: no minimum.
  std::int64_t min_rate_bytes_per_s = 1024;
  /// The most the whole run receives per second, shared evenly by the connections
  /// receiving (curl's and wget's --limit-rate, aria2's --max-overall-download-limit).
  /// A transfer's own cap is Request::max_bytes_per_s. Under a cap, the minimum rate is at
  /// most half a connection's share. 0: no cap.
  std::int64_t max_bytes_per_s = 0;
  /// A transfer gives up this many seconds after its first attempt started, whatever it
  /// is doing then (ErrorCategory::timeout). 0: no limit.
  double max_time_s = 0;

  /// Attempts after the first, for transient failures (connect failures, resets, truncated
  /// bodies, timeouts, stalls, HTTP 408/429/500/502/503/504). A waiting transfer holds no
  /// connection and no slot.
  int retries = 5;
  /// The backoff's first step: the wait before attempt n+1 is a random point in
  /// [0, min(retry_wait_max_s, retry_wait_s * 2^(n-1))), and never shorter than the
  /// server's Retry-After (honoured up to 300 s).
  double retry_wait_s = 1.0;
  double retry_wait_max_s = 60.0;

  /// Continue NAME.part left by an earlier attempt or run (Range + If-Range), when its
  /// state file says it is the same URL and version. false: always start from zero.
  bool resume = true;
  /// Check digests the server advertises (Repr-Digest, Content-Digest, Digest,
  /// X-Checksum-Sha256/Sha1, Docker-Content-Digest) when the request gives none.
  bool verify_server_digest = true;

  /// Redirects followed per attempt (3xx with a Location); past it the transfer fails.
  int max_redirects = 10;
  /// Credentials stay with the origin (scheme, host and port) of the URL as requested: after
  /// a redirect to another origin, no `credentials`, netrc entry, URL user:password or
  /// Request header is sent but the harmless ones (Accept, Accept-Encoding, Accept-Language,
  /// User-Agent, Referer, Cache-Control, Pragma). true sends them along every redirect
  /// (curl's --location-trusted), except over plain http after an https start.
  bool location_trusted = false;
  /// Follow a redirect from https to plain http (refused by default: ErrorCategory::tls).
  /// Nothing but the harmless headers is ever sent over it, whatever location_trusted says.
  bool allow_downgrade = false;
  std::string user_agent;  ///< Empty: "fetchpool/VERSION".
  /// true: once a transfer has written an output path, the path is this Engine's for its
  /// whole life, and a later request for it fails (invalid_input), as the second of two
  /// entries of one list does. false: a path is held only while its transfer runs, and a
  /// later request finds the file there (if_exists decides): for an Engine that serves
  /// batch after batch, as a Dask worker's does (a recomputed partition is then skipped).
  bool unique_paths = true;

  /// Called on the engine's thread once per transfer as it ends, before its handle is
  /// marked done. Must be quick and must not call back into the Engine's waits; exceptions
  /// it throws are swallowed. Empty: none.
  std::function<void(const Result&)> on_finished;
  /// Called on the engine's thread when an attempt starts and when a retry is scheduled.
  /// Same rules as on_finished. Empty: none.
  std::function<void(const TransferEvent&)> on_event;
  /// Called on the engine's thread with every header line sent and received and libcurl's
  /// notes on each connection (credentials redacted, see WireLine): a trace like curl's -v.
  /// Same rules as on_finished. Empty: none, and libcurl is not asked for them.
  std::function<void(const WireLine&)> on_wire;
};

}  // namespace fetchpool
