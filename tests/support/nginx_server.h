#pragma once

#include <memory>
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
///   /private/NAME      NAME behind Basic auth (kUser / kPassword)
///   /needs-header/NAME NAME only with "X-Token: let-me-in", else 403
class NginxServer {
 public:
  static constexpr const char* kUser = "alice";
  static constexpr const char* kPassword = "s3cret-pass";

  enum class Scheme { http, https };

  /// With Scheme::https: TLS with HTTP/2 on, a certificate for 127.0.0.1 signed by a CA
  /// made for this server (ca_file()), and an access log of protocol and connection.
  /// With `slow_upstream` ("127.0.0.1:PORT", a registry), /v2/ is passed on to it at
  /// 1 MiB/s per request, and each such request is logged (proxy_log()). With
  /// `blob_storage` too (the registry's storage directory), blob GETs are redirected (307)
  /// to http://localhost:PORT/objects/HEX, served from that storage and logged with their
  /// Authorization header (object_log()): object storage on another host.
  explicit NginxServer(const std::string& root, Scheme scheme = Scheme::http, std::string slow_upstream = {},
                       std::string blob_storage = {});
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  int port() const { return port_; }
  /// "http(s)://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  /// PEM of the CA that signed the https server's certificate.
  std::string ca_file() const { return dir_ / "ca.pem"; }
  /// Lines "PROTOCOL CONNECTION-NUMBER" for every request served so far.
  std::string access_log() const;
  /// Lines 'URI "RANGE" STATUS BYTES-SENT' for every request passed on to the slow upstream.
  std::string proxy_log() const;
  /// Lines 'URI host=HOST authorization="VALUE"' for every blob served as object storage.
  std::string object_log() const;

 private:
  bool try_start(const std::string& root);
  void make_certificates();
  void stop();

  Scheme scheme_;
  std::string slow_upstream_;
  std::string blob_storage_;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

/// A free TCP port on 127.0.0.1 at the time of the call.
int free_port();

/// Blocks (at most `timeout_ms`) until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, int timeout_ms);

}  // namespace fetchpool::test
