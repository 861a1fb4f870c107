#include "engine/scheduler.h"

#include <gtest/gtest.h>

namespace fetchpool::engine {
namespace {

std::unique_ptr<Transfer> make(TransferId id, const std::string& host) {
  auto transfer = std::make_unique<Transfer>();
  transfer->id = id;
  transfer->url.host_key = host;
  return transfer;
}

TEST(Scheduler, FifoUpToTheConcurrencyLimit) {
  Scheduler scheduler(2, 0);
  for (TransferId id = 1; id <= 3; ++id) scheduler.enqueue(make(id, "http://a:80"));
  EXPECT_EQ(scheduler.next()->id, 1u);
  EXPECT_EQ(scheduler.next()->id, 2u);
  EXPECT_EQ(scheduler.next(), nullptr);
  scheduler.finished("http://a:80");
  EXPECT_EQ(scheduler.next()->id, 3u);
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST(Scheduler, PerHostCapLetsOtherHostsThrough) {
  Scheduler scheduler(10, 1);
  scheduler.enqueue(make(1, "http://a:80"));
  scheduler.enqueue(make(2, "http://a:80"));
  scheduler.enqueue(make(3, "http://a:80"));
  scheduler.enqueue(make(4, "http://b:80"));
  EXPECT_EQ(scheduler.next()->id, 1u);
  EXPECT_EQ(scheduler.next()->id, 4u);  // a is at its cap
  EXPECT_EQ(scheduler.next(), nullptr);
  scheduler.finished("http://a:80");
  EXPECT_EQ(scheduler.next()->id, 2u);
  EXPECT_EQ(scheduler.running(), 2);
}

TEST(Scheduler, TakeRemovesQueuedTransfer) {
  Scheduler scheduler(1, 0);
  scheduler.enqueue(make(1, "h"));
  scheduler.enqueue(make(2, "h"));
  ASSERT_NE(scheduler.take(2), nullptr);
  EXPECT_EQ(scheduler.take(2), nullptr);
  EXPECT_EQ(scheduler.next()->id, 1u);
  EXPECT_EQ(scheduler.next(), nullptr);
  EXPECT_EQ(scheduler.take_all().size(), 0u);
}

TEST(Scheduler, StrugglingHostIsHalvedOnceABurstAndGrowsBack) {
  Scheduler scheduler(16, 8);
  const std::string host = "http://a:80";
  Clock::time_point now{};
  now += std::chrono::hours(1);
  scheduler.host_struggling(host, now);
  EXPECT_DOUBLE_EQ(scheduler.host_limit(host), 4.0);
  scheduler.host_struggling(host, now + std::chrono::milliseconds(100));  // same burst
  EXPECT_DOUBLE_EQ(scheduler.host_limit(host), 4.0);
  scheduler.host_struggling(host, now + std::chrono::seconds(2));
  scheduler.host_struggling(host, now + std::chrono::seconds(4));
  scheduler.host_struggling(host, now + std::chrono::seconds(6));
  EXPECT_DOUBLE_EQ(scheduler.host_limit(host), 1.0);  // never below one

  for (TransferId id = 1; id <= 3; ++id) scheduler.enqueue(make(id, host));
  scheduler.enqueue(make(9, "http://other:80"));
  EXPECT_EQ(scheduler.next()->id, 1u);
  EXPECT_EQ(scheduler.next()->id, 9u);  // the struggling host runs one at a time; others are unaffected
  EXPECT_EQ(scheduler.next(), nullptr);

  for (int i = 0; i < 100; ++i) scheduler.host_succeeded(host);
  EXPECT_DOUBLE_EQ(scheduler.host_limit(host), 8.0);  // back to the cap, not beyond
}

TEST(Scheduler, RetryGoesAheadOfQueuedWork) {
  Scheduler scheduler(1, 0);
  scheduler.enqueue(make(1, "h"));
  scheduler.enqueue_front(make(2, "h"));
  EXPECT_EQ(scheduler.next()->id, 2u);
}

}  // namespace
}  // namespace fetchpool::engine
