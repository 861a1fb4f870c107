#include "support/registry_server.h"

#include <signal.h>

#include <chrono>
#include <stdexcept>

#include "support/nginx_server.h"

namespace fetchpool::test {
namespace {

std::string config(const std::string& storage, int port) {
  return "version: 0.1\n"
         "log:\n  level: error\n"
         "storage:\n  filesystem:\n    rootdirectory: " +
         storage +
         "\n"
         "http:\n  addr: 127.0.0.1:" +
         std::to_string(port) + "\n";
}

}  // namespace

RegistryServer::RegistryServer() {
  for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
    port_ = free_port();
    write_file(dir_ / "config.yml", config(dir_ / "storage", port_));
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/docker-registry", "serve", dir_ / "config.yml"});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool up = false;
    while (!up && !process_->exited() && std::chrono::steady_clock::now() < deadline)
      up = wait_for_port(port_, 50);
    if (!up) {
      if (!process_->exited()) process_->signal(SIGKILL);
      process_->wait(std::chrono::seconds(5));
      process_.reset();  // port taken meanwhile: try another
    }
  }
  if (!process_)
    throw std::runtime_error("docker-registry did not start (is the docker-registry package installed?)");
}

RegistryServer::~RegistryServer() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait(std::chrono::seconds(10));
}

std::string RegistryServer::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string RegistryServer::url(const std::string& path) const {
  return "http://" + host() + path;
}

std::string RegistryServer::push_image(const std::string& repository, const std::string& tag, int layers,
                                       int layer_size, const std::string& platforms) {
  std::string layout = dir_ / ("layouts/" + repository + "-" + tag);
  auto made =
      run_process({"/usr/bin/python3", FETCHPOOL_MAKE_IMAGE, layout, tag, "--layers", std::to_string(layers),
                   "--layer-size", std::to_string(layer_size), "--platforms", platforms});
  if (made.exit_code != 0) throw std::runtime_error("make_image.py failed: " + made.err);
  std::string digest = made.out.substr(0, made.out.find('\n'));
  auto pushed =
      run_process({"/usr/bin/skopeo", "copy", "--all", "--dest-tls-verify=false", "oci:" + layout + ":" + tag,
                   "docker://" + host() + "/" + repository + ":" + tag});
  if (pushed.exit_code != 0) throw std::runtime_error("skopeo copy failed: " + pushed.err);
  return digest;
}

}  // namespace fetchpool::test
