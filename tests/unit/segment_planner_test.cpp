#include "engine/segment_planner.h"

#include <gtest/gtest.h>

namespace fetchpool::engine {
namespace {

constexpr std::int64_t kMiB = 1024 * 1024;

TEST(SegmentPlanner, SplitsEvenlyUpToTheConnections) {
  SegmentPlanner plan(256 * kMiB, 8, 20 * kMiB);
  ASSERT_EQ(plan.segments().size(), 8u);
  EXPECT_EQ(plan.segments().front(), (ByteRange{0, 32 * kMiB}));
  EXPECT_EQ(plan.segments().back(), (ByteRange{224 * kMiB, 256 * kMiB}));
}

TEST(SegmentPlanner, NoSegmentSmallerThanMinSplit) {
  EXPECT_EQ(SegmentPlanner(50 * kMiB, 8, 20 * kMiB).segments().size(), 2u);
  EXPECT_EQ(SegmentPlanner(30 * kMiB, 8, 20 * kMiB).segments().size(), 1u);
  SegmentPlanner odd(100, 3, 1);
  EXPECT_EQ(odd.segments().back().end, 100);  // the last one takes the remainder
}

TEST(SegmentPlanner, FreeConnectionTakesTheBackHalfOfTheLargestRemainder) {
  SegmentPlanner plan(80 * kMiB, 2, 10 * kMiB);  // [0,40) [40,80)
  plan.advance(0, 40 * kMiB);                    // the fast one is done
  plan.advance(1, 50 * kMiB);                    // the slow one has 30 MiB left
  std::optional<int> helper = plan.split_largest();
  ASSERT_TRUE(helper);
  EXPECT_EQ(plan.segments()[1], (ByteRange{40 * kMiB, 65 * kMiB}));  // the slow one stops at 65
  EXPECT_EQ(plan.segments()[static_cast<std::size_t>(*helper)], (ByteRange{65 * kMiB, 80 * kMiB}));
  EXPECT_EQ(plan.next_offset(*helper), 65 * kMiB);
}

TEST(SegmentPlanner, NothingWorthSplittingNearTheEnd) {
  SegmentPlanner plan(40 * kMiB, 2, 10 * kMiB);
  plan.advance(0, 20 * kMiB);
  plan.advance(1, 25 * kMiB);  // 15 MiB left < 2 x 10
  EXPECT_FALSE(plan.split_largest());
}

TEST(SegmentPlanner, ContiguousPrefixGrowsOnlyWithoutGaps) {
  SegmentPlanner plan(300, 3, 100);  // [0,100) [100,200) [200,300)
  plan.advance(1, 200);
  plan.advance(2, 250);
  EXPECT_EQ(plan.contiguous_prefix(), 0);
  plan.advance(0, 60);
  EXPECT_EQ(plan.contiguous_prefix(), 60);
  plan.advance(0, 100);
  EXPECT_EQ(plan.contiguous_prefix(), 250);
  EXPECT_FALSE(plan.complete());
  plan.advance(2, 300);
  EXPECT_TRUE(plan.complete());
  plan.advance(2, 120);  // never goes backwards
  EXPECT_TRUE(plan.complete());
}

}  // namespace
}  // namespace fetchpool::engine
