#include "engine/scheduler.h"

#include <algorithm>

namespace fetchpool::engine {
namespace {
const std::string kAnyHost;
}

Scheduler::Scheduler(int max_concurrent, int max_per_host)
    : max_concurrent_(max_concurrent), max_per_host_(max_per_host) {}

const std::string& Scheduler::key_of(const Transfer& transfer) const {
  // Without a per-host cap every transfer shares one queue: plain FIFO order.
  return max_per_host_ > 0 ? transfer.url.host_key : kAnyHost;
}

void Scheduler::enqueue(std::unique_ptr<Transfer> transfer) {
  const std::string& key = key_of(*transfer);
  Host& host = hosts_[key];
  if (host.queue.empty()) turns_.push_back(key);
  host.queue.push_back(std::move(transfer));
  ++queued_;
}

std::unique_ptr<Transfer> Scheduler::next() {
  if (running_ >= max_concurrent_) return nullptr;
  // Each host with work gets at most one look; every host at its cap is moved to the back.
  for (std::size_t looks = turns_.size(); looks > 0; --looks) {
    std::string key = std::move(turns_.front());
    turns_.pop_front();
    auto it = hosts_.find(key);
    if (it == hosts_.end() || it->second.queue.empty()) continue;
    Host& host = it->second;
    if (max_per_host_ > 0 && host.running >= max_per_host_) {
      turns_.push_back(std::move(key));
      continue;
    }
    std::unique_ptr<Transfer> transfer = std::move(host.queue.front());
    host.queue.pop_front();
    ++host.running;
    ++running_;
    --queued_;
    if (!host.queue.empty()) turns_.push_back(std::move(key));
    return transfer;
  }
  return nullptr;
}

void Scheduler::finished(const std::string& host_key) {
  --running_;
  const std::string& key = max_per_host_ > 0 ? host_key : kAnyHost;
  auto it = hosts_.find(key);
  if (it == hosts_.end()) return;
  --it->second.running;
  if (it->second.running <= 0 && it->second.queue.empty()) hosts_.erase(it);
}

std::unique_ptr<Transfer> Scheduler::take(TransferId id) {
  for (auto& [key, host] : hosts_) {
    auto it = std::find_if(host.queue.begin(), host.queue.end(),
                           [id](const std::unique_ptr<Transfer>& t) { return t->id == id; });
    if (it == host.queue.end()) continue;
    std::unique_ptr<Transfer> transfer = std::move(*it);
    host.queue.erase(it);
    --queued_;
    return transfer;  // An emptied host's turn is dropped when next() reaches it.
  }
  return nullptr;
}

std::vector<std::unique_ptr<Transfer>> Scheduler::take_all() {
  std::vector<std::unique_ptr<Transfer>> all;
  for (auto& [key, host] : hosts_) {
    for (auto& transfer : host.queue) all.push_back(std::move(transfer));
    host.queue.clear();
  }
  turns_.clear();
  queued_ = 0;
  return all;
}

}  // namespace fetchpool::engine
