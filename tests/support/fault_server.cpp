#include "support/fault_server.h"

#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "hash/digest.h"

namespace fetchpool::test {

FaultServer::FaultServer() {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  std::string log = dir_ / "requests.jsonl";
  write_file(log, "");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(pipe_fds[1], 1);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execl("/usr/bin/python3", "python3", FETCHPOOL_FAULT_SERVER, "0", log.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  // The script prints "PORT n" once it listens; wait at most 10 s for it.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd ready{pipe_fds[0], POLLIN, 0};
    if (poll(&ready, 1, 100) <= 0) continue;
    char buffer[64];
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  if (line.rfind("PORT ", 0) != 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("the fault server did not start (is /usr/bin/python3 installed?)");
  }
  port_ = std::stoi(line.substr(5));
}

FaultServer::~FaultServer() {
  kill(pid_, SIGKILL);  // it keeps no state worth a clean exit
  waitpid(pid_, nullptr, 0);
}

std::string FaultServer::url(const std::string& path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
}

std::vector<LoggedRequest> FaultServer::requests() const {
  std::vector<LoggedRequest> all;
  std::istringstream lines(read_file(dir_ / "requests.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded()) continue;
    LoggedRequest request{entry["method"], entry["path"], {}};
    for (auto& [name, value] : entry["headers"].items()) request.headers[name] = value;
    all.push_back(std::move(request));
  }
  return all;
}

std::vector<LoggedRequest> FaultServer::requests_for(const std::string& prefix) const {
  std::vector<LoggedRequest> matching;
  for (LoggedRequest& request : requests()) {
    if (request.path.rfind(prefix, 0) == 0) matching.push_back(std::move(request));
  }
  return matching;
}

std::string fault_body(const std::string& name, std::int64_t size, int version) {
  std::string seed = name + ":" + std::to_string(version);
  std::string body(static_cast<std::size_t>(size), '\0');
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_shake128(), nullptr);
  EVP_DigestUpdate(context, seed.data(), seed.size());
  EVP_DigestFinalXOF(context, reinterpret_cast<unsigned char*>(body.data()), body.size());
  EVP_MD_CTX_free(context);
  return body;
}

std::string sha256_hex(const std::string& data) {
  hash::Digest digest("sha256");
  digest.update(data.data(), data.size());
  return digest.finish();
}

}  // namespace fetchpool::test
