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

TEST(SegmentPlanner, ResumeSplitsOnlyTheGaps) {
  // 0-10 and 50-60 MiB arrived in an earlier run; 10-50 and 60-100 are missing.
  SegmentPlanner plan(100 * kMiB, 4, 5 * kMiB, {{0, 10 * kMiB}, {50 * kMiB, 60 * kMiB}});
  EXPECT_EQ(plan.contiguous_prefix(), 10 * kMiB);
  EXPECT_EQ(plan.done_bytes(), 20 * kMiB);
  std::vector<int> work = plan.unfinished();
  ASSERT_EQ(work.size(), 4u);  // two gaps, each halved for the four connections
  std::int64_t missing = 0;
  for (int id : work) missing += plan.remaining(id);
  EXPECT_EQ(missing, 80 * kMiB);
  EXPECT_EQ(plan.next_offset(work.front()), 10 * kMiB);  // in file order
  EXPECT_EQ(plan.done_ranges(), (std::vector<ByteRange>{{0, 10 * kMiB}, {50 * kMiB, 60 * kMiB}}));
  for (int id : work) plan.advance(id, plan.end(id));
  EXPECT_TRUE(plan.complete());
  EXPECT_EQ(plan.done_ranges(), (std::vector<ByteRange>{{0, 100 * kMiB}}));
}

TEST(SegmentPlanner, DoneRangesMergeWhatTouches) {
  SegmentPlanner plan(300, 3, 100);
  plan.advance(0, 100);
  plan.advance(1, 150);
  plan.advance(2, 250);
  EXPECT_EQ(plan.done_ranges(), (std::vector<ByteRange>{{0, 150}, {200, 250}}));
}

TEST(ByteRanges, RoundTripAndRejectNonsense) {
  std::vector<ByteRange> ranges{{0, 10}, {20, 30}};
  EXPECT_EQ(format_ranges(ranges), "0-10,20-30");
  std::vector<ByteRange> parsed;
  ASSERT_TRUE(parse_ranges("0-10,20-30", 30, &parsed));
  EXPECT_EQ(parsed, ranges);
  EXPECT_TRUE(parse_ranges("", 30, &parsed));
  EXPECT_TRUE(parsed.empty());
  for (const char* bad : {"0-10,5-30", "10-5", "0-40", "0-10,", "a-b", "0-10;20-30", "-5-3", "0-10,10-20"}) {
    EXPECT_FALSE(parse_ranges(bad, 30, &parsed)) << bad;
  }
}

}  // namespace
}  // namespace fetchpool::engine
