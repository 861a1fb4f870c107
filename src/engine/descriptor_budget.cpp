#include "engine/descriptor_budget.h"

#include <algorithm>

namespace fetchpool::engine {

int concurrency_within(int wanted, int limit, int open_now) {
  if (limit < 0) return wanted;
  const long available = static_cast<long>(limit) - std::max(open_now, 0) - kSpareDescriptors;
  const long fits = std::max(1L, available / kDescriptorsPerTransfer);
  return static_cast<int>(std::min<long>(wanted, fits));
}

}  // namespace fetchpool::engine
