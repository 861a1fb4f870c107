#include "support/fault_server.h"

#include <openssl/evp.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "hash/digest.h"

namespace fetchpool::test {

FaultServer::FaultServer() {
  std::string log = dir_ / "requests.jsonl";
  write_file(log, "");
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/python3", FETCHPOOL_FAULT_SERVER, "0", log});
  // The script prints "PORT n" once it listens; wait at most 10 s for it.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos && !process_->exited() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // between looks at its stdout
    line = process_->out_so_far();
  }
  if (line.rfind("PORT ", 0) != 0 || line.find('\n') == std::string::npos) {
    throw std::runtime_error("the fault server did not start (is /usr/bin/python3 installed?) " +
                             process_->err_so_far());
  }
  port_ = std::stoi(line.substr(5));
}

// The destructor of process_ stops it by PID (SIGKILL): it keeps no state worth a clean exit.
FaultServer::~FaultServer() = default;

std::string FaultServer::url(const std::string& path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
}

std::string FaultServer::data_url(const std::string& name, std::int64_t size,
                                  const std::string& query) const {
  return url("/data/" + name + "?size=" + std::to_string(size) + (query.empty() ? "" : "&" + query));
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
    request.active = entry.value("active", 0);
    request.body = entry.value("body", "");
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
