// The live display in a real terminal (tmux), and the plain and JSON outputs.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "progress/format.h"
#include "support/fault_server.h"
#include "support/nginx_server.h"
#include "support/process.h"
#include "support/registry_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/tmux.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

using namespace std::chrono_literals;
using test::FaultServer;
using test::run_process;
using test::TempDir;
using test::Tmux;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string line_with(const std::string& screen, const std::string& part) {
  std::istringstream lines(screen);
  std::string line;
  while (std::getline(lines, line)) {
    if (contains(line, part)) return line;
  }
  return {};
}

class DisplayTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  TempDir dir_;
};

TEST_F(DisplayTest, LiveBarsThenAStallThenACleanSummary) {
  std::string first = server_->url("/data/alpha.bin?size=4000000&trickle=400000");
  std::string second = server_->url("/data/beta-with-a-long-name-中文.bin?size=4000000&trickle=400000");
  std::string stalling = server_->url("/data/gamma.bin?size=2000000&stall_after=150000");
  std::string command = std::string(FETCHPOOL_BINARY) + " get --stall-timeout 60 -d '" + dir_.path() + "' '" +
                        first + "' '" + second + "' '" + stalling + "'; echo EXITED $?; sleep 60";
  Tmux terminal(command);

  // Once all three are running, each with its bar.
  std::string running = terminal.screen_when(
      [](const std::string& shown) {
        return contains(shown, "active 3") && contains(line_with(shown, "alpha.bin"), "%|") &&
               contains(line_with(shown, "beta-with"), "%|") && contains(line_with(shown, "gamma.bin"), "%|");
      },
      20s);
  EXPECT_TRUE(contains(running, "0/3 files")) << running;
  EXPECT_TRUE(contains(running, "active 3")) << running;
  EXPECT_TRUE(contains(line_with(running, "alpha.bin"), "%|")) << running;
  EXPECT_TRUE(contains(line_with(running, "beta-with"), "%|")) << running;
  EXPECT_TRUE(contains(line_with(running, "gamma.bin"), "%|")) << running;
  EXPECT_TRUE(contains(running, "█")) << "UTF-8 block bars: " << running;
  // The summary's units (KiB, MiB), on the total line and each transfer's (400 KB/s each).
  std::string rates = terminal.screen_when(
      [](const std::string& shown) {
        return contains(line_with(shown, "alpha.bin"), "KiB/s]") &&
               contains(line_with(shown, "files"), "iB/s");
      },
      20s);
  EXPECT_TRUE(contains(line_with(rates, "alpha.bin"), "KiB/s]")) << rates;
  EXPECT_TRUE(contains(line_with(rates, "alpha.bin"), "KiB/")) << "sizes too: " << rates;
  EXPECT_TRUE(contains(line_with(rates, "files"), "iB/s")) << rates;

  // gamma.bin stops after 150,000 bytes; it counts as stalled 5 s (kStalledAfterSeconds)
  // after its last byte.
  std::string stalled = terminal.screen_when(
      [](const std::string& shown) { return contains(line_with(shown, "gamma.bin"), "stalled"); }, 20s);
  EXPECT_TRUE(contains(line_with(stalled, "gamma.bin"), "stalled")) << stalled;
  EXPECT_TRUE(contains(stalled, "stalled 1")) << "the total line counts it: " << stalled;
  EXPECT_FALSE(contains(line_with(stalled, "alpha.bin"), "stalled")) << stalled;

  terminal.send_keys("C-c");
  std::string ended = terminal.screen_with("EXITED", 5s);
  EXPECT_TRUE(contains(ended, "EXITED 130")) << ended;
  EXPECT_TRUE(contains(ended, "3 cancelled")) << ended;
  EXPECT_FALSE(contains(ended, "%|")) << "the live area must be gone: " << ended;
  EXPECT_FALSE(contains(ended, "active 3")) << ended;
  EXPECT_FALSE(contains(ended, "\x1b")) << ended;
}

int lines_containing(const std::string& screen, const std::string& part) {
  int count = 0;
  std::istringstream lines(screen);
  for (std::string line; std::getline(lines, line);) count += contains(line, part);
  return count;
}

// ✅ and ⚡ are two columns wide in a terminal. Counted as one, the line with their name
// was two columns too wide at 80: it wrapped, the cursor-up of the next frame fell a row
// short, and every frame left a copy of the total line behind.
TEST_F(DisplayTest, EmojiNameFitsEightyColumnsWithoutWrappingOrRepeatingTheTotal) {
  std::string url = server_->url(
      "/data/\u2705\u26A1-nightly-build-of-the-release-candidate-\u26A1\u2705.bin"
      "?size=4000000&trickle=400000");
  Tmux terminal(
      std::string(FETCHPOOL_BINARY) + " get -d '" + dir_.path() + "' '" + url + "'; echo EXITED $?; sleep 60",
      80, 30);
  // Two seconds in: twenty frames drawn over each other.
  std::string running = terminal.screen_with("[00:02<", 20s);
  EXPECT_EQ(lines_containing(running, "0/1 files"), 1) << running;
  std::string line = line_with(running, "nightly");
  EXPECT_TRUE(contains(line, "%|")) << running;
  EXPECT_TRUE(contains(line, "B/s]")) << "the line ends on its own row: " << running;
  EXPECT_TRUE(contains(line, "\u2705\u26A1-")) << running;
  EXPECT_EQ(lines_containing(running, "B/s]"), 1) << running;
  terminal.send_keys("C-c");
  std::string ended = terminal.screen_with("EXITED", 5s);
  EXPECT_EQ(lines_containing(ended, "0/1 files"), 0) << "the live area must be gone: " << ended;
}

// At 72 columns the total line drops the zero counts rather than cutting its middle (where
// the ETA and the counts were).
TEST_F(DisplayTest, TotalLineAtSeventyTwoColumnsKeepsFilesRateAndEta) {
  std::string command = std::string(FETCHPOOL_BINARY) + " get -j 1 -d '" + dir_.path() + "' '" +
                        server_->url("/data/first.bin?size=1000") + "' '" +
                        server_->url("/data/second.bin?size=4000000&trickle=400000") + "' '" +
                        server_->url("/data/third.bin?size=4000000&trickle=400000") +
                        "'; echo EXITED $?; sleep 60";
  Tmux terminal(command, 72, 30);
  std::string running = terminal.screen_when(
      [](const std::string& shown) {
        std::string total = line_with(shown, "1/3 files");
        return contains(total, "KiB/s") && contains(total, "queued 1");
      },
      20s);
  std::string total = line_with(running, "1/3 files");
  EXPECT_EQ(total.find("…"), std::string::npos) << "not cut: " << running;
  EXPECT_TRUE(contains(total, "KiB/s  [00:0")) << running;
  EXPECT_FALSE(contains(total, "<--:--]")) << "an ETA once a file is done: " << running;
  EXPECT_TRUE(contains(total, "]  active 1 queued 1")) << running;
  EXPECT_FALSE(contains(total, "stalled 0")) << "zero counts go first: " << running;
  terminal.send_keys("C-c");
  terminal.screen_with("EXITED", 5s);
}

// On a terminal a person sees each failure once: the FAILED line as it happens, and no
// list after the summary repeating it while it is still on the screen.
TEST_F(DisplayTest, AFailureIsShownOnceOnTheTerminal) {
  std::string missing = server_->url("/data/missing.bin?size=1000&fail_first=9&status=404");
  Tmux terminal(std::string(FETCHPOOL_BINARY) + " get -d '" + dir_.path() + "' '" +
                server_->url("/data/present.bin?size=1000") + "' '" + missing +
                "'; echo EXITED $?; sleep 60");
  std::string ended = terminal.screen_with("EXITED", 20s);
  EXPECT_TRUE(contains(ended, "EXITED 1")) << ended;
  EXPECT_TRUE(contains(ended, "1 ok, 1 failed")) << ended;
  EXPECT_EQ(lines_containing(ended, "missing.bin"), 1) << ended;
  EXPECT_TRUE(contains(line_with(ended, "missing.bin"), "FAILED  ")) << ended;
  EXPECT_FALSE(contains(ended, "1 failed:")) << ended;
}

// Once the FAILED line has scrolled off (here under 40 done lines on a 30-row terminal),
// the list after the summary names it: still once on the screen.
TEST_F(DisplayTest, AFailureThatScrolledAwayIsListedAfterTheSummary) {
  std::string command = std::string(FETCHPOOL_BINARY) + " get -j 1 -d '" + dir_.path() + "' '" +
                        server_->url("/data/missing.bin?size=1000&fail_first=9&status=404") + "'";
  for (int i = 0; i < 40; ++i)
    command += " '" + server_->url("/data/ok-" + std::to_string(i) + "?size=1000") + "'";
  Tmux terminal(command + "; echo EXITED $?; sleep 60");
  std::string ended = terminal.screen_with("EXITED", 20s);
  EXPECT_TRUE(contains(ended, "40 ok, 1 failed")) << ended;
  EXPECT_EQ(lines_containing(ended, "missing.bin"), 1) << ended;
  EXPECT_TRUE(contains(ended, "1 failed:\n  " + server_->url("/data/missing.bin"))) << ended;
  EXPECT_FALSE(contains(ended, "FAILED  ")) << "scrolled off: " << ended;
}

// Ctrl-C during a slow download: the summary counts the bytes it received (it said 0 B, as
// only finished files were counted), the same number the report gives the cancelled file.
TEST_F(DisplayTest, SummaryAfterCtrlCCountsTheBytesReceived) {
  std::string url = server_->url("/data/slow-interrupted.bin?size=4000000&trickle=400000");
  std::string report = dir_ / "report.json";
  Tmux terminal(std::string(FETCHPOOL_BINARY) + " get --report '" + report + "' -d '" + dir_.path() + "' '" +
                url + "'; echo EXITED $?; sleep 60");
  // Interrupted once a part of it is kept (NAME.part is named after the body's first second).
  ASSERT_TRUE(
      test::wait_until([&] { return std::filesystem::exists(dir_ / "slow-interrupted.bin.part"); }, 20s))
      << terminal.screen();
  terminal.send_keys("C-c");
  std::string ended = terminal.screen_with("EXITED", 5s);
  EXPECT_TRUE(contains(ended, "EXITED 130")) << ended;
  std::ifstream in(report);
  auto written = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(written.is_discarded()) << ended;
  std::int64_t received = written["transfers"][0]["bytes"];
  EXPECT_GT(received, 0) << ended;
  EXPECT_EQ(written["summary"]["bytes"], received);
  std::string summary = line_with(ended, "1 cancelled");
  EXPECT_TRUE(contains(summary, "0 ok, 0 failed, 1 cancelled; " + progress::format_bytes(received) + " in "))
      << ended;
}

TEST_F(DisplayTest, SplitFileIsOneLineWithItsConnectionCount) {
  std::string url = server_->url("/data/split-view.bin?size=4000000&trickle=300000");
  std::string command = std::string(FETCHPOOL_BINARY) + " get -x 4 --min-split-size 512K -d '" + dir_.path() +
                        "' '" + url + "'; echo EXITED $?; sleep 60";
  Tmux terminal(command);
  std::string running = terminal.screen_with("4 conn", 3s);
  EXPECT_TRUE(contains(line_with(running, "split-view.bin"), "4 conn")) << running;
  int lines_for_it = 0;
  std::istringstream lines(running);
  for (std::string line; std::getline(lines, line);) lines_for_it += contains(line, "split-view.bin");
  EXPECT_EQ(lines_for_it, 1) << "one line per file, not per connection: " << running;
  terminal.send_keys("C-c");
}

TEST(PullDisplayTest, LayersShowLiveThenCtrlCKeepsThemForTheNextPull) {
  test::RegistryServer registry;
  registry.push_image("display/app", "v1", {.layers = 2, .layer_size = 3'000'000});
  // Behind nginx at 1 MiB/s a request, so that the pull is on screen for a while.
  test::NginxServer proxy(test::TestData::get().root(), test::NginxServer::Scheme::http, registry.host());
  TempDir dir;
  std::string tarball = dir / "app.tar";
  std::string image = "127.0.0.1:" + std::to_string(proxy.port()) + "/display/app:v1";
  Tmux terminal(std::string(FETCHPOOL_BINARY) + " pull -x 1 -o '" + tarball + "' " + image +
                "; echo EXITED $?; sleep 60");
  std::string running = terminal.screen_with("%|", 4s);
  EXPECT_TRUE(contains(running, "%|")) << "a bar per layer: " << running;
  auto manifest = run_process({"/usr/bin/skopeo", "inspect", "--raw", "--tls-verify=false",
                               "docker://" + registry.host() + "/display/app:v1"});
  std::string layer = nlohmann::json::parse(manifest.out)["layers"][0]["digest"];
  EXPECT_TRUE(contains(line_with(running, layer.substr(7, 12)), "%|"))
      << "named by short digest: " << running;
  EXPECT_TRUE(contains(line_with(running, layer.substr(7, 12)), "layer " + layer.substr(7, 12)))
      << "named as docker names layers: " << running;
  EXPECT_TRUE(contains(running, "active 2")) << running;
  // The total line counts blobs of the three the manifest names, and its ETA comes from
  // their sizes before any layer is done.
  std::string planned = terminal.screen_when(
      [](const std::string& shown) {
        const std::string total = line_with(shown, "/3 blobs");
        return !total.empty() && !contains(total, "<--:--]") && !contains(total, "3/3 blobs");
      },
      10s);
  EXPECT_TRUE(contains(planned, "/3 blobs")) << planned;
  EXPECT_FALSE(contains(line_with(planned, "/3 blobs"), "<--:--]")) << "no ETA: " << planned;

  // Interrupted once a partial layer is resumable (its bytes in TARBALL.part, its state
  // saved after its first second).
  const std::filesystem::path blobs = tarball + ".blobs/blobs/sha256";
  EXPECT_TRUE(test::wait_until(
      [&] {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(blobs, ec)) {
          if (entry.path().filename().string().ends_with(".part.state")) return true;
        }
        return false;
      },
      20s))
      << "no partial layer's state appeared in " << blobs;
  terminal.send_keys("C-c");
  std::string ended = terminal.screen_with("EXITED", 5s);
  EXPECT_TRUE(contains(ended, "EXITED 130")) << ended;
  EXPECT_TRUE(contains(ended, "interrupted; run it again to continue")) << ended;
  EXPECT_FALSE(std::filesystem::exists(tarball));

  auto again = run_process({FETCHPOOL_BINARY, "pull", "-q", "-o", tarball, image});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(proxy.proxy_log().find("\"bytes="), std::string::npos)
      << "the layers continued: " << proxy.proxy_log();
}

TEST_F(DisplayTest, PlainOutputHasNoEscapeCodes) {
  auto run = run_process({FETCHPOOL_BINARY, "get", "-d", dir_.path(), server_->url("/data/p1?size=300000"),
                          server_->url("/data/p2?size=1000&fail_first=9&status=404")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_FALSE(contains(run.err, "\x1b")) << run.err;
  EXPECT_TRUE(contains(run.err, "done    ")) << run.err;
  EXPECT_TRUE(contains(run.err, "FAILED  ")) << run.err;
  EXPECT_TRUE(contains(run.err, "1 ok, 1 failed")) << run.err;
  // A log is read from its end: there the list repeats every failure.
  EXPECT_TRUE(contains(run.err, "1 failed:\n  " + server_->url("/data/p2"))) << run.err;
}

TEST_F(DisplayTest, JsonOutputParsesLineByLine) {
  auto run = run_process({FETCHPOOL_BINARY, "get", "--progress", "json", "--retry-wait", "0.05", "-d",
                          dir_.path(), server_->url("/data/j1?size=2000000&trickle=2000000"),
                          server_->url("/data/j2?size=1000&fail_first=1&status=503")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::istringstream lines(run.err);
  std::string line;
  std::map<std::string, int> events;
  while (std::getline(lines, line)) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(event.is_discarded()) << "not JSON: " << line;
    events[event["event"]]++;
  }
  EXPECT_GE(events["started"], 3) << run.err;  // two files, one of them twice
  EXPECT_EQ(events["retry"], 1) << run.err;
  EXPECT_GE(events["progress"], 1) << run.err;
  EXPECT_EQ(events["finished"], 2) << run.err;
  EXPECT_EQ(events["summary"], 1) << run.err;
}

}  // namespace
}  // namespace fetchpool
