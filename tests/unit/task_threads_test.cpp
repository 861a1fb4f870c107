#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <vector>

#include "engine/task_thread.h"

namespace fetchpool::engine {
namespace {

// While the disk keeps up, one thread takes every file: fewer threads to wake and switch
// between on a small machine.
TEST(TaskThreads, TheFirstThreadTakesEveryFileWhileItKeepsUp) {
  TaskThreads threads(3);
  TaskThread* first = threads.next();
  for (int i = 0; i < 100; ++i) {
    TaskThread* chosen = threads.next();
    EXPECT_EQ(chosen, first);
    chosen->post([] {});
    chosen->wait_until_idle();  // a disk that keeps up: each file done before the next
  }
}

// A creation that blocks (ext4 scanning past deleted inodes) must not hold up the next
// files: once the first thread is behind, they go to another, and its tasks still run in
// the order posted.
TEST(TaskThreads, FilesGoElsewhereWhileTheFirstThreadIsBehind) {
  TaskThreads threads(2);
  TaskThread* first = threads.next();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<int> order;
  first->post([released] { released.wait_for(std::chrono::seconds(30)); });
  for (int i = 0; i < 10; ++i) first->post([&order, i] { order.push_back(i); });
  ASSERT_GE(first->backlog(), 8u);

  TaskThread* other = threads.next();
  EXPECT_NE(other, first);
  std::promise<void> ran;
  other->post([&ran] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the other thread waited for the blocked one";

  release.set_value();
  threads.wait_until_idle();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(threads.next(), first) << "back to the first once it has caught up";
}

}  // namespace
}  // namespace fetchpool::engine
