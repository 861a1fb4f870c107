#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "fetchpool/result.h"

namespace fetchpool {

/// What to do when a transfer's final name already exists before it starts.
enum class IfExists {
  skip,       ///< Keep the existing file; the transfer ends as Status::skipped. The default.
  fail,       ///< End the transfer as failed (ErrorCategory::filesystem); keep the file.
  overwrite,  ///< Download, then atomically replace the file once the new one is complete.
};

/// Engine-wide settings, fixed when the Engine is constructed.
struct EngineOptions {
  /// Transfers running at once; the rest wait in a queue holding no connection. >= 1.
  int max_concurrent = 16;
  /// Transfers running at once to one scheme://host:port; 0 means no cap beyond max_concurrent.
  int max_per_host = 0;

  /// Where requests without a directory write.
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

  /// Seconds to establish a connection (TCP and TLS) before the attempt fails.
  double connect_timeout_s = 10.0;
  /// An attempt that receives no byte for this many seconds fails as stalled. 0: never.
  double stall_timeout_s = 30.0;

  int max_redirects = 10;
  std::string user_agent;  ///< Empty: "fetchpool/VERSION".

  /// Called on the engine's thread once per transfer as it ends, before its handle is
  /// marked done. Must be quick and must not call back into the Engine's waits; exceptions
  /// it throws are swallowed. Empty: none.
  std::function<void(const Result&)> on_finished;
};

}  // namespace fetchpool
