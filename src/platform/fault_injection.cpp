#include "platform/fault_injection.h"

#include <mutex>
#include <stdexcept>

namespace fetchpool::platform {
namespace detail {
std::atomic<FaultInjection*> installed_faults{nullptr};
}  // namespace detail

namespace {

// Guards installing, removing and every use of the installed FaultInjection's tables.
std::mutex& faults_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

FaultInjection::FaultInjection() {
  std::lock_guard lock(faults_mutex());
  if (detail::installed_faults.load(std::memory_order_relaxed) != nullptr)
    throw std::logic_error("a platform::FaultInjection is installed already: one at a time");
  detail::installed_faults.store(this, std::memory_order_relaxed);
}

FaultInjection::~FaultInjection() {
  std::lock_guard lock(faults_mutex());
  detail::installed_faults.store(nullptr, std::memory_order_relaxed);
}

void FaultInjection::fail(FileOp op, int error_code, int nth, int times) {
  if (error_code <= 0 || nth < 1 || times < 0)
    throw std::invalid_argument("FaultInjection::fail: an errno > 0, nth >= 1 and times >= 0");
  std::lock_guard lock(faults_mutex());
  const auto i = static_cast<std::size_t>(op);
  const int first = calls_[i] + nth;
  faults_[i] = Fault{error_code, first, times == 0 ? 0 : first + times - 1};
}

void FaultInjection::clear(FileOp op) {
  std::lock_guard lock(faults_mutex());
  faults_[static_cast<std::size_t>(op)] = Fault{};
}

int FaultInjection::calls(FileOp op) const {
  std::lock_guard lock(faults_mutex());
  return calls_[static_cast<std::size_t>(op)];
}

int FaultInjection::failed(FileOp op) const {
  std::lock_guard lock(faults_mutex());
  return failed_[static_cast<std::size_t>(op)];
}

int FaultInjection::total_calls() const {
  std::lock_guard lock(faults_mutex());
  int total = 0;
  for (int n : calls_) total += n;
  return total;
}

int injected_error_slow(FileOp op) {
  std::lock_guard lock(faults_mutex());
  FaultInjection* faults = detail::installed_faults.load(std::memory_order_relaxed);
  if (faults == nullptr) return 0;  // removed since the caller looked
  const auto i = static_cast<std::size_t>(op);
  const int call = ++faults->calls_[i];
  const FaultInjection::Fault& fault = faults->faults_[i];
  if (fault.first == 0 || call < fault.first || (fault.last != 0 && call > fault.last)) return 0;
  ++faults->failed_[i];
  return fault.error_code;
}

}  // namespace fetchpool::platform
