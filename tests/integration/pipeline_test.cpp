// A program that drives `fetchpool get -i -` through a pipe: each URL starts as soon as
// its entry is complete and its result is reported when it finishes, not when stdin closes;
// --progress json's events name the transfer's id and a periodic "totals" event tells where
// the run stands.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/fault_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

using namespace std::chrono_literals;
using test::FaultServer;
using test::TempDir;

class PipelineTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  TempDir dir_;
};

/// The JSON events fetchpool has written to stderr so far (complete lines only).
std::vector<nlohmann::json> events_of(const std::string& err) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(err);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // a line still being written
    nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_discarded()) events.push_back(std::move(event));
  }
  return events;
}

/// The first event of `kind` whose "url" is `url`; null when there is none yet.
nlohmann::json event_for(const std::vector<nlohmann::json>& events, const std::string& kind,
                         const std::string& url) {
  for (const nlohmann::json& event : events) {
    if (event.value("event", "") == kind && event.value("url", "") == url) return event;
  }
  return nullptr;
}

TEST_F(PipelineTest, EachUrlWrittenToStdinIsFetchedAndReportedBeforeStdinCloses) {
  test::ChildProcess child(test::fetchpool_argv({"get", "--progress", "json", "-d", dir_ / "out", "-i", "-"}),
                           test::ChildOptions{.input_pipe = true});
  auto result_for = [&](const std::string& url) {
    nlohmann::json finished;
    test::wait_until(
        [&] {
          std::vector<nlohmann::json> events = events_of(child.err_so_far());
          finished = event_for(events, "finished", url);
          if (finished.is_null()) finished = event_for(events, "failed", url);
          return !finished.is_null() || child.exited();
        },
        20s);
    return finished;
  };

  // One URL line and nothing after it: the pause ends its entry.
  const std::string first = server_->data_url("first.bin", 100000);
  child.write_input(first + "\n");
  nlohmann::json done = result_for(first);
  ASSERT_FALSE(done.is_null()) << "no result for the first URL while stdin stays open:\n"
                               << child.err_so_far();
  EXPECT_EQ(done["status"], "ok");
  EXPECT_EQ(test::sha256_of(dir_ / "out/first.bin"), test::sha256_hex(test::fault_body("first.bin", 100000)));
  // Its id is the one its start named.
  nlohmann::json started = event_for(events_of(child.err_so_far()), "started", first);
  ASSERT_FALSE(started.is_null());
  EXPECT_EQ(done["id"], started["id"]);

  // A URL with an option line under it, ended by a blank line; then one that fails.
  const std::string second = server_->data_url("second.bin", 5000);
  child.write_input(second + "\n  out=renamed.bin\n\n");
  done = result_for(second);
  ASSERT_FALSE(done.is_null()) << child.err_so_far();
  EXPECT_EQ(test::sha256_of(dir_ / "out/renamed.bin"),
            test::sha256_hex(test::fault_body("second.bin", 5000)));

  const std::string missing = server_->url("/status?code=404");
  child.write_input(missing + "\n");
  done = result_for(missing);
  ASSERT_FALSE(done.is_null()) << child.err_so_far();
  EXPECT_EQ(done["event"], "failed");
  EXPECT_EQ(done["category"], "http");
  started = event_for(events_of(child.err_so_far()), "started", missing);
  ASSERT_FALSE(started.is_null());
  EXPECT_EQ(done["id"], started["id"]);
  EXPECT_FALSE(child.exited()) << "fetchpool ended while its stdin was open";

  child.end_input();
  test::ProcessResult ended = child.wait(20s);
  EXPECT_EQ(ended.exit_code, 1) << ended.err;  // one failed
  std::vector<nlohmann::json> events = events_of(ended.err);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().value("event", ""), "summary");
  EXPECT_EQ(events.back()["ok"], 2);
  EXPECT_EQ(events.back()["failed"], 1);
}

// The periodic totals event: files done of the total (known up front for a file list),
// bytes, rate, ETA and the counts, while a slow file is on its way.
TEST_F(PipelineTest, JsonProgressHasAPeriodicTotalsEvent) {
  test::write_file(dir_ / "list.txt", server_->data_url("quick.bin", 1000) + "\n" +
                                          server_->data_url("slow.bin", 60000, "trickle=20000") + "\n");
  test::ChildProcess child(
      test::fetchpool_argv({"get", "--progress", "json", "-d", dir_ / "out", "-i", dir_ / "list.txt"}));
  nlohmann::json totals;
  ASSERT_TRUE(test::wait_until(
      [&] {
        for (const nlohmann::json& event : events_of(child.err_so_far())) {
          if (event.value("event", "") == "totals" && event["files_done"] == 1 && event["bytes"] > 1000)
            totals = event;
        }
        return !totals.is_null() || child.exited();
      },
      20s));
  ASSERT_FALSE(totals.is_null()) << "no totals event with the quick file done:\n" << child.err_so_far();
  EXPECT_EQ(totals["files_total"], 2);
  EXPECT_EQ(totals["failed"], 0);
  EXPECT_EQ(totals["active"], 1);
  EXPECT_GT(totals["rate"].get<double>(), 0);
  EXPECT_TRUE(totals["eta_s"].is_number()) << totals.dump();
  for (const char* field : {"queued", "retrying", "stalled"}) EXPECT_TRUE(totals.contains(field)) << field;
  EXPECT_EQ(child.wait(30s).exit_code, 0);
}

}  // namespace
}  // namespace fetchpool
