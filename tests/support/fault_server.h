#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace fetchpool::test {

/// One request as the fault server saw it.
struct LoggedRequest {
  std::string method;
  std::string path;  ///< With the query string.
  std::map<std::string, std::string> headers;
  int active = 0;    ///< Requests being served when it arrived, itself included.
  std::string body;  ///< A POST's body.
};

/// tests/support/fault_server.py on 127.0.0.1: serves generated data and misbehaves as the
/// URL asks (see the script's docstring for the query parameters). Stopped by PID.
class FaultServer {
 public:
  FaultServer();
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  int port() const { return port_; }
  /// "http://127.0.0.1:PORT" + path_and_query.
  std::string url(const std::string& path_and_query) const;
  /// url() of /data/NAME?size=SIZE, with `query` (e.g. "trickle=1000") appended.
  std::string data_url(const std::string& name, std::int64_t size, const std::string& query = "") const;
  /// Every request served so far, oldest first.
  std::vector<LoggedRequest> requests() const;
  /// The requests whose path starts with `prefix`.
  std::vector<LoggedRequest> requests_for(const std::string& prefix) const;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

/// The bytes the fault server sends for /data/NAME?size=SIZE (version > 0: the content
/// after that many ETag changes): SHAKE-128 of "NAME:VERSION", computed independently here.
std::string fault_body(const std::string& name, std::int64_t size, int version = 0);

/// Lower-case hex SHA-256 of a string.
std::string sha256_hex(const std::string& data);

}  // namespace fetchpool::test
