#include "support/nginx_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace fetchpool::test {
namespace {

constexpr int kStartAttempts = 5;

std::string nginx_binary() {
  for (const char* candidate : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (access(candidate, X_OK) == 0) return candidate;
  }
  throw std::runtime_error("nginx not found: run ./dev setup (installs Debian's nginx)");
}

std::string config(const std::string& dir, const std::string& root, int port, bool tls,
                   const std::string& slow_upstream, const std::string& blob_storage) {
  // A throttled way to a registry: /v2/ passed on at 1 MiB/s, each request logged.
  std::string proxy = slow_upstream.empty() ? std::string()
                                            : fmt::format(
                                                  "location /v2/ {{ proxy_pass http://{}; limit_rate 1m; "
                                                  "access_log {}/proxy.log proxied; }}",
                                                  slow_upstream, dir);
  // Blob GETs sent on to "object storage" on another host name (localhost), as registries
  // in front of S3 or a CDN do; what arrives there is logged with its Authorization.
  if (!blob_storage.empty()) {
    proxy += fmt::format(
        "location ~ ^/v2/.+/blobs/sha256:([0-9a-f]+)$ {{ return 307 http://localhost:{port}/objects/$1; }}\n"
        "    location ~ ^/objects/(..)(.+)$ {{ alias {storage}/docker/registry/v2/blobs/sha256/$1/$1$2/data; "
        "access_log {dir}/objects.log objects; }}",
        fmt::arg("port", port), fmt::arg("storage", blob_storage), fmt::arg("dir", dir));
  }
  // clang-format off
  return fmt::format(R"({user}daemon off;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  log_format protocol '$server_protocol $connection';
  log_format proxied '$request_uri "$http_range" $status $body_bytes_sent';
  log_format objects '$request_uri host=$host authorization="$http_authorization"';
  access_log {dir}/access.log protocol;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port}{tls_listen};
    {tls_config}
    location /private/ {{ alias {root}/; auth_basic "test"; auth_basic_user_file {dir}/htpasswd; }}
    location /needs-header/ {{ alias {root}/; if ($http_x_token != "let-me-in") {{ return 403; }} }}
    root {root};
    location /slow/ {{ alias {root}/; limit_rate 64k; }}
    location /redirect/ {{ rewrite ^/redirect/(.*)$ /$1 redirect; }}
    location = /redirect-loop {{ return 302 /redirect-loop; }}
    location = /redirect-to {{ return 302 $arg_to; }}
    {proxy}
  }}
}}
)",
      fmt::arg("user", geteuid() == 0 ? "user root;\n" : ""), fmt::arg("dir", dir), fmt::arg("root", root),
      fmt::arg("port", port), fmt::arg("tls_listen", tls ? " ssl http2" : ""), fmt::arg("proxy", proxy),
      fmt::arg("tls_config",
               tls ? fmt::format("ssl_certificate {0}/server.pem; ssl_certificate_key {0}/server.key;", dir) : ""));
  // clang-format on
}

void run_checked(const std::vector<std::string>& argv) {
  ProcessResult result = run_process(argv);
  if (result.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + result.err);
}

}  // namespace

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool wait_for_port(int port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (connected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // between attempts, until the deadline
  }
  return false;
}

void NginxServer::make_certificates() {
  const std::string dir = dir_.path();
  const std::vector<std::string> ec_key{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                        "-nodes"};
  auto with = [](std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  run_checked(with({"/usr/bin/openssl", "req", "-x509", "-days", "2", "-subj", "/CN=fetchpool test CA",
                    "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem"},
                   ec_key));
  run_checked(with({"/usr/bin/openssl", "req", "-subj", "/CN=127.0.0.1", "-keyout", dir + "/server.key",
                    "-out", dir + "/server.csr"},
                   ec_key));
  write_file(dir + "/san.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run_checked({"/usr/bin/openssl", "x509", "-req", "-days", "2", "-in", dir + "/server.csr", "-CA",
               dir + "/ca.pem", "-CAkey", dir + "/ca.key", "-CAcreateserial", "-extfile", dir + "/san.cnf",
               "-out", dir + "/server.pem"});
}

std::string NginxServer::access_log() const {
  return read_file(dir_ / "access.log");
}

NginxServer::NginxServer(const std::string& root, Scheme scheme, std::string slow_upstream,
                         std::string blob_storage)
    : scheme_(scheme), slow_upstream_(std::move(slow_upstream)), blob_storage_(std::move(blob_storage)) {
  if (scheme_ == Scheme::https) make_certificates();
  ProcessResult hash = run_process({"/usr/bin/openssl", "passwd", "-apr1", std::string(kPassword)});
  if (hash.exit_code != 0) throw std::runtime_error("openssl passwd failed: " + hash.err);
  write_file(dir_ / "htpasswd", std::string(kUser) + ":" + hash.out);
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    if (try_start(root)) return;
  }
  throw std::runtime_error("nginx did not start; see its log in " + dir_.path() + "\n" +
                           read_file(dir_ / "error.log"));
}

NginxServer::~NginxServer() {
  stop();
}

std::string NginxServer::proxy_log() const {
  return read_file(dir_ / "proxy.log");
}

std::string NginxServer::object_log() const {
  return read_file(dir_ / "objects.log");
}

std::string NginxServer::url(const std::string& path) const {
  return (scheme_ == Scheme::https ? "https" : "http") + std::string("://127.0.0.1:") +
         std::to_string(port_) + path;
}

bool NginxServer::try_start(const std::string& root) {
  port_ = free_port();
  std::string conf = dir_ / "nginx.conf";
  write_file(conf, config(dir_.path(), root, port_, scheme_ == Scheme::https, slow_upstream_, blob_storage_));
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{nginx_binary(), "-c", conf, "-p", dir_.path(), "-e", dir_ / "error.log"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_->exited()) {  // port taken, or a bad config
      process_.reset();
      return false;
    }
    if (wait_for_port(port_, 20)) return true;
  }
  stop();
  return false;
}

void NginxServer::stop() {
  if (!process_) return;
  // SIGTERM lets the master stop its workers; SIGKILL (after 10 s) would orphan them.
  process_->signal(SIGTERM);
  process_->wait(std::chrono::seconds(10));
  process_.reset();
}

}  // namespace fetchpool::test
