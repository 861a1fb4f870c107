#pragma once

#include <sys/types.h>

#include <string>

#include "support/process.h"

namespace fetchpool::test {

/// A real nginx (Debian's binary) in the foreground on 127.0.0.1, serving `root`, with its
/// config, logs and temp files in a private directory. Stopped by PID in the destructor.
///
/// Locations besides the plain files:
///   /slow/NAME         NAME at 64 KiB/s (for cancellation and deadlines)
///   /redirect/NAME     302 to /NAME
///   /redirect-loop     a redirect to itself
class NginxServer {
 public:
  explicit NginxServer(const std::string& root);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  int port() const { return port_; }
  /// "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;

 private:
  bool try_start(const std::string& root);
  void stop();

  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// A free TCP port on 127.0.0.1 at the time of the call.
int free_port();

/// Blocks (at most `timeout_ms`) until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, int timeout_ms);

}  // namespace fetchpool::test
