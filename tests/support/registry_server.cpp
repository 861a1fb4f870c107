#include "support/registry_server.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/nginx_server.h"
#include "text/base64.h"

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

std::string token_config(int token_port, const std::string& certificate) {
  return "auth:\n  token:\n    realm: http://127.0.0.1:" + std::to_string(token_port) +
         "/token\n    service: fetchpool-test-registry\n    issuer: fetchpool-test-issuer\n"
         "    rootcertbundle: " +
         certificate + "\n";
}

}  // namespace

std::string RegistryServer::base64_credentials() const {
  return text::base64_encode(std::string(kUser) + ":" + kPassword);
}

void RegistryServer::start_token_server() {
  auto made = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           dir_ / "token-key.pem", "-out", dir_ / "token-cert.pem", "-days", "2", "-subj",
                           "/CN=fetchpool-test-token"});
  if (made.exit_code != 0) throw std::runtime_error("openssl could not make the token key: " + made.err);
  token_server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/python3", FETCHPOOL_TOKEN_SERVER, dir_ / "token-port",
                               dir_ / "token-key.pem", dir_ / "token-cert.pem", dir_ / "token-log.jsonl",
                               dir_ / "token-lifetime"},
      std::string(kUser) + ":" + kPassword + "\n" + kIdentityToken + "\n");
  for (int i = 0; i < 200 && token_port_ == 0 && !token_server_->exited(); ++i) {
    std::string text = read_file(dir_ / "token-port");
    if (text.rfind("PORT ", 0) == 0 && text.back() == '\n') {
      token_port_ = std::stoi(text.substr(5));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));  // between looks (at most 200)
    }
  }
  if (token_port_ == 0)
    throw std::runtime_error("the token server did not start: " + token_server_->err_so_far());
}

void RegistryServer::set_token_lifetime(int seconds) {
  write_file(dir_ / "token-lifetime", std::to_string(seconds));
}

void RegistryServer::rotate_refresh_tokens(bool on) {
  std::error_code ignored;
  if (on)
    write_file(dir_ / "token-rotate", "on");
  else
    std::filesystem::remove(dir_ / "token-rotate", ignored);
}

std::string RegistryServer::token_log() const {
  return read_file(dir_ / "token-log.jsonl");
}

RegistryServer::RegistryServer(Auth auth) : auth_(auth) {
  if (auth_ == Auth::token) start_token_server();
  if (auth_ == Auth::basic) {
    // bcrypt, the only hash the registry's htpasswd accepts, through the system's crypt(3).
    // The password on stdin: it goes on no command line, not even a test's.
    auto hashed = run_process({"/usr/bin/python3", "-W", "ignore", "-c",
                               "import crypt,sys; print(sys.argv[1] + ':' + crypt.crypt(sys.stdin.read(), "
                               "crypt.mksalt(crypt.METHOD_BLOWFISH)))",
                               kUser},
                              kPassword);
    if (hashed.exit_code != 0) throw std::runtime_error("cannot make the htpasswd file: " + hashed.err);
    write_file(dir_ / "htpasswd", hashed.out);
  }
  for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
    port_ = free_port();
    std::string text = config(dir_ / "storage", port_);
    if (auth_ == Auth::token) text += token_config(token_port_, dir_ / "token-cert.pem");
    if (auth_ == Auth::basic)
      text += "auth:\n  htpasswd:\n    realm: fetchpool-test\n    path: " + dir_ / "htpasswd" + "\n";
    write_file(dir_ / "config.yml", text);
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
  for (auto* child : {process_.get(), token_server_.get()}) {
    if (!child) continue;
    child->signal(SIGTERM);
    child->wait(std::chrono::seconds(10));
  }
}

std::string RegistryServer::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string RegistryServer::url(const std::string& path) const {
  return "http://" + host() + path;
}

std::string RegistryServer::push_image(const std::string& repository, const std::string& tag,
                                       const TestImage& image) {
  std::string layout = dir_ / ("layouts/" + repository + "-" + tag);
  std::vector<std::string> make{"/usr/bin/python3",
                                FETCHPOOL_MAKE_IMAGE,
                                layout,
                                tag,
                                "--layers",
                                std::to_string(image.layers),
                                "--layer-size",
                                std::to_string(image.layer_size),
                                "--platforms",
                                image.platforms,
                                "--compression",
                                image.compression};
  if (image.wrong_diff_id) make.push_back("--wrong-diff-id");
  auto made = run_process(make);
  if (made.exit_code != 0) throw std::runtime_error("make_image.py failed: " + made.err);
  std::string digest = made.out.substr(0, made.out.find('\n'));
  std::vector<std::string> argv{"/usr/bin/skopeo", "copy", "--all", "--dest-tls-verify=false"};
  if (image.docker_schema2) argv.insert(argv.end(), {"--format", "v2s2"});
  if (auth_ != Auth::none) {
    // Through a file, not the command line: credentials never go on a command line.
    std::string auth_file = dir_ / "auth.json";
    write_file(auth_file, R"({"auths":{")" + host() + R"(":{"auth":")" + base64_credentials() + R"("}}})");
    argv.insert(argv.end(), {"--dest-authfile", auth_file});
  }
  argv.insert(argv.end(), {"oci:" + layout + ":" + tag, "docker://" + host() + "/" + repository + ":" + tag});
  auto pushed = run_process(argv);
  if (pushed.exit_code != 0) throw std::runtime_error("skopeo copy failed: " + pushed.err);
  return digest;
}

void RegistryServer::put_manifest(const std::string& repository, const std::string& tag,
                                  const std::string& media_type, const std::string& manifest) {
  std::string file = dir_ / "manifest-to-put.json";
  write_file(file, manifest);
  const char* script =
      "import sys, urllib.request\n"
      "data = open(sys.argv[3], 'rb').read()\n"
      "req = urllib.request.Request(sys.argv[1], data=data, method='PUT', headers={'Content-Type': "
      "sys.argv[2]})\n"
      "urllib.request.urlopen(req, timeout=10)\n";
  auto put = run_process(
      {"/usr/bin/python3", "-c", script, url("/v2/" + repository + "/manifests/" + tag), media_type, file});
  if (put.exit_code != 0) throw std::runtime_error("PUT of the manifest failed: " + put.err);
}

}  // namespace fetchpool::test
