#include "engine/scheduler.h"

#include <algorithm>

namespace fetchpool::engine {
namespace {
constexpr auto kDecreaseInterval = std::chrono::seconds(1);
}

Scheduler::Scheduler(int max_concurrent, int max_per_host)
    : max_concurrent_(max_concurrent),
      host_cap_(max_per_host > 0 ? max_per_host : max_concurrent),
      explicit_host_cap_(max_per_host > 0) {}

void Scheduler::set_silent(const std::unordered_map<std::string, int>& silent_by_host) {
  silent_ = 0;
  for (auto& [key, entry] : hosts_) {
    auto it = silent_by_host.find(key);
    entry.silent = it == silent_by_host.end() ? 0 : it->second;
    silent_ += entry.silent;
  }
}

Scheduler::Host& Scheduler::host(const std::string& key) {
  auto [it, inserted] = hosts_.try_emplace(key);
  if (inserted) it->second.limit = host_cap_;
  return it->second;
}

void Scheduler::forget_if_idle(const std::string& key) {
  auto it = hosts_.find(key);
  // A host still below its cap is remembered, so its penalty outlives a quiet moment.
  if (it != hosts_.end() && it->second.running <= 0 && it->second.queue.empty() &&
      it->second.limit >= host_cap_) {
    hosts_.erase(it);
  }
}

void Scheduler::enqueue(std::unique_ptr<Transfer> transfer) {
  const std::string& key = transfer->url.host_key;
  Host& entry = host(key);
  if (entry.queue.empty()) turns_.push_back(key);
  entry.queue.push_back(std::move(transfer));
  ++queued_;
}

void Scheduler::enqueue_front(std::unique_ptr<Transfer> transfer) {
  const std::string& key = transfer->url.host_key;
  Host& entry = host(key);
  if (entry.queue.empty()) turns_.push_front(key);
  entry.queue.push_front(std::move(transfer));
  ++queued_;
}

std::unique_ptr<Transfer> Scheduler::next() {
  if (running_ - silent_ >= max_concurrent_ || running_ >= 2 * max_concurrent_) return nullptr;
  // Each host with work gets at most one look; every host at its limit is moved to the back.
  for (std::size_t looks = turns_.size(); looks > 0; --looks) {
    std::string key = std::move(turns_.front());
    turns_.pop_front();
    auto it = hosts_.find(key);
    if (it == hosts_.end() || it->second.queue.empty()) continue;
    Host& entry = it->second;
    const int counted = entry.running - (explicit_host_cap_ ? 0 : entry.silent);
    if (counted >= std::max(1, static_cast<int>(entry.limit))) {
      turns_.push_back(std::move(key));
      continue;
    }
    std::unique_ptr<Transfer> transfer = std::move(entry.queue.front());
    entry.queue.pop_front();
    ++entry.running;
    ++running_;
    --queued_;
    if (!entry.queue.empty()) turns_.push_back(std::move(key));
    return transfer;
  }
  return nullptr;
}

bool Scheduler::try_take_slot(const std::string& host_key) {
  if (running_ >= max_concurrent_) return false;
  Host& entry = host(host_key);
  if (entry.running >= std::max(1, static_cast<int>(entry.limit))) return false;
  ++entry.running;
  ++running_;
  return true;
}

void Scheduler::finished(const std::string& host_key) {
  // Which one ended is not known here: silent counts are only kept within running until
  // the loop's next set_silent() (a tenth of the stall timeout at most).
  --running_;
  silent_ = std::min(silent_, running_);
  auto it = hosts_.find(host_key);
  if (it == hosts_.end()) return;
  --it->second.running;
  it->second.silent = std::min(it->second.silent, it->second.running);
  forget_if_idle(host_key);
}

void Scheduler::host_struggling(const std::string& host_key, Clock::time_point now) {
  Host& entry = host(host_key);
  // One burst of failures (all the transfers that were running together) halves once.
  if (now - entry.last_decrease < kDecreaseInterval) return;
  entry.last_decrease = now;
  entry.limit = std::max(1.0, entry.limit / 2);
}

void Scheduler::host_succeeded(const std::string& host_key) {
  auto it = hosts_.find(host_key);
  if (it == hosts_.end()) return;
  it->second.limit = std::min(host_cap_, it->second.limit + 1.0 / it->second.limit);
}

double Scheduler::host_limit(const std::string& host_key) const {
  auto it = hosts_.find(host_key);
  return it == hosts_.end() ? host_cap_ : it->second.limit;
}

int Scheduler::receiving_from(const std::string& host_key) const {
  auto it = hosts_.find(host_key);
  return it == hosts_.end() ? 0 : it->second.running - it->second.silent + it->second.planned;
}

void Scheduler::plan_connections(const std::string& host_key, int count) {
  if (count <= 0) return;
  host(host_key).planned += count;
  planned_any_ = true;
}

void Scheduler::end_turn() {
  if (!planned_any_) return;
  for (auto& [key, entry] : hosts_) entry.planned = 0;
  planned_any_ = false;
}

std::unique_ptr<Transfer> Scheduler::take(TransferId id) {
  for (auto& [key, entry] : hosts_) {
    auto it = std::find_if(entry.queue.begin(), entry.queue.end(),
                           [id](const std::unique_ptr<Transfer>& t) { return t->id == id; });
    if (it == entry.queue.end()) continue;
    std::unique_ptr<Transfer> transfer = std::move(*it);
    entry.queue.erase(it);
    --queued_;
    return transfer;  // An emptied host's turn is dropped when next() reaches it.
  }
  return nullptr;
}

std::vector<std::unique_ptr<Transfer>> Scheduler::take_all() {
  std::vector<std::unique_ptr<Transfer>> all;
  for (auto& [key, entry] : hosts_) {
    for (auto& transfer : entry.queue) all.push_back(std::move(transfer));
    entry.queue.clear();
  }
  turns_.clear();
  queued_ = 0;
  return all;
}

}  // namespace fetchpool::engine
