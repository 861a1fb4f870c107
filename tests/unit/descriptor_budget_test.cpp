#include "engine/descriptor_budget.h"

#include <gtest/gtest.h>

#include <climits>

namespace fetchpool::engine {
namespace {

TEST(DescriptorBudget, ConcurrencyFitsTheDescriptorsLeft) {
  // ulimit -n 1024 with 10 open: (1024 - 10 - 32) / 4 = 245 transfers.
  EXPECT_EQ(concurrency_within(5000, 1024, 10), 245);
  EXPECT_EQ(concurrency_within(900, 1024, 10), 245);
  EXPECT_EQ(concurrency_within(16, 1024, 10), 16) << "what fits is kept";
  EXPECT_EQ(concurrency_within(5000, 1024, -1), 248) << "an unknown count is taken as none";
  EXPECT_EQ(concurrency_within(5000, -1, 10), 5000) << "no limit known: nothing to cap";
  EXPECT_EQ(concurrency_within(64, 40, 30), 1) << "never below one";
  EXPECT_EQ(concurrency_within(100'000, INT_MAX, 5), 100'000);
}

}  // namespace
}  // namespace fetchpool::engine
