// CompletionQueue: ended transfers for a program with its own event loop, which watches a
// descriptor and takes the Results without blocking.

#include "fetchpool/completion_queue.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <set>

#include "fetchpool/engine.h"
#include "support/nginx_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

using test::NginxServer;
using test::TestData;

bool readable(int fd, int timeout_ms) {
  pollfd watched{fd, POLLIN, 0};
  return ::poll(&watched, 1, timeout_ms) == 1 && (watched.revents & POLLIN);
}

class CompletionQueueTest : public test::SharedServerTest<NginxServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<NginxServer>(TestData::get().root()); });
  }
  test::TempDir out_;
};

TEST_F(CompletionQueueTest, TheDescriptorIsReadableExactlyWhileResultsWait) {
  CompletionQueue done;
  EXPECT_FALSE(readable(done.fd(), 0));
  EXPECT_TRUE(done.take().empty());
  EngineOptions options;
  options.output_dir = out_.path();
  options.on_finished = done.sink();
  Engine engine(options);
  const auto& files = TestData::get().many();
  std::set<TransferId> submitted;
  for (std::size_t i = 0; i < 20 && i < files.size(); ++i)
    submitted.insert(engine.submit({.url = server_->url(files[i].url_path)}).id());
  std::set<TransferId> taken;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (taken.size() < submitted.size() && std::chrono::steady_clock::now() < deadline) {
    if (!readable(done.fd(), 1000)) continue;  // as an event loop would wait
    std::vector<Result> ended = done.take();
    EXPECT_FALSE(ended.empty()) << "readable means there is something to take";
    for (const Result& result : ended) {
      EXPECT_EQ(result.status, Status::ok) << result.message;
      taken.insert(result.id);
    }
  }
  EXPECT_EQ(taken, submitted);
  EXPECT_FALSE(readable(done.fd(), 0)) << "nothing left: no longer readable";
  EXPECT_TRUE(done.take().empty());
}

}  // namespace
}  // namespace fetchpool
