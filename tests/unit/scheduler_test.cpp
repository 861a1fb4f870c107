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

}  // namespace
}  // namespace fetchpool::engine
