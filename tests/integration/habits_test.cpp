// What people who know wget and aria2 type: the remote layout kept under -d, aria2's
// per-item options in a list, and a config file of long options.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fault_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::FaultServer;
using test::TempDir;

class HabitsTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  /// fetchpool with FETCHPOOL_CONFIG set to `config` (a path; "" unsets it) and the
  /// user's own config directory out of the way.
  test::ProcessResult run_with_config(const std::string& config, const std::vector<std::string>& args,
                                      const std::string& input = "") {
    std::vector<std::string> argv{"/usr/bin/env", "-u", "FETCHPOOL_CONFIG",
                                  "XDG_CONFIG_HOME=" + (dir_ / "xdg")};
    if (!config.empty()) argv.push_back("FETCHPOOL_CONFIG=" + config);
    for (const std::string& arg : test::fetchpool_argv(args)) argv.push_back(arg);
    return test::run_process(argv, input);
  }
  std::string body_sha(const std::string& name, std::int64_t size) const {
    return test::sha256_hex(test::fault_body(name, size));
  }
  TempDir dir_;
};

// wget's --force-directories keeps HOST:PORT/PATH under -d, so two files of one name in
// different directories (Maven's maven-metadata.xml) no longer collide; --no-host-directories
// and --cut-dirs N drop the host and the first N directories (each implies the layout).
TEST_F(HabitsTest, TheRemoteLayoutIsKeptWithWgetsOptions) {
  const std::string a = server_->url("/data/com/acme/a/maven-metadata.xml?size=1000");
  const std::string b = server_->url("/data/com/acme/b/maven-metadata.xml?size=2000");
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());

  auto kept = test::run_fetchpool({"get", "-q", "--force-directories", "-d", dir_ / "kept", a, b});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_EQ(test::sha256_of(dir_ / ("kept/" + host + "/data/com/acme/a/maven-metadata.xml")),
            body_sha("com/acme/a/maven-metadata.xml", 1000));
  EXPECT_EQ(test::sha256_of(dir_ / ("kept/" + host + "/data/com/acme/b/maven-metadata.xml")),
            body_sha("com/acme/b/maven-metadata.xml", 2000));

  auto cut = test::run_fetchpool(
      {"get", "-q", "--no-host-directories", "--cut-dirs", "2", "-d", dir_ / "cut", a, b});
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_EQ(test::sha256_of(dir_ / "cut/acme/a/maven-metadata.xml"),
            body_sha("com/acme/a/maven-metadata.xml", 1000));
  EXPECT_EQ(test::sha256_of(dir_ / "cut/acme/b/maven-metadata.xml"),
            body_sha("com/acme/b/maven-metadata.xml", 2000));

  // Without the layout the second is the first's name: one file, one failure.
  auto flat = test::run_fetchpool({"get", "-q", "-d", dir_ / "flat", a, b});
  EXPECT_EQ(flat.exit_code, 1) << flat.err;
}

// aria2's per-item options: split= and max-connection-per-server= set the file's
// connections (the smaller wins), referer= and user-agent= its headers (over -e and -A);
// any other option fails that entry only, naming the option, the line and the URL.
TEST_F(HabitsTest, Aria2sPerItemOptionsApplyToTheirEntry) {
  const std::int64_t size = 8 << 20;
  // Trickled, so that the connections of split-four overlap: at most as many at once as it
  // was given (the fault server counts the requests it is serving as each arrives).
  auto split =
      test::run_fetchpool({"get", "-q", "-x", "2", "--min-split-size", "1M", "-d", dir_ / "out", "-i", "-"},
                          server_->data_url("split-four", size, "trickle=4000000") +
                              "\n  split=8\n  max-connection-per-server=4\n");
  ASSERT_EQ(split.exit_code, 0) << split.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/split-four"), body_sha("split-four", size));
  int most = 0;
  for (const auto& request : server_->requests_for("/data/split-four?"))
    most = std::max(most, request.active);
  // One more than the connections may show: a request that is ending while the next begins.
  EXPECT_GE(most, 4) << "split= and max-connection-per-server= win over -x 2";
  EXPECT_LE(most, 5) << "the smaller of split= and max-connection-per-server=";

  std::string list = server_->data_url("split-one", size) + "\n  split=1\n" +
                     server_->data_url("as-browser", 1000) +
                     "\n  referer=https://example.com/page\n  user-agent=Mozilla/5.0 (X11)\n" +
                     server_->data_url("odd-option", 1000) + "\n  max-tries=3\n";
  auto run = test::run_fetchpool({"get", "-q", "-x", "4", "--min-split-size", "1M", "-e",
                                  "https://elsewhere/", "-d", dir_ / "out", "-i", "-"},
                                 list);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/split-one"), body_sha("split-one", size));
  EXPECT_EQ(server_->requests_for("/data/split-one?").size(), 1u) << "split=1: never split";

  auto browser = server_->requests_for("/data/as-browser?");
  ASSERT_EQ(browser.size(), 1u);
  EXPECT_EQ(browser[0].headers["Referer"], "https://example.com/page") << "referer= wins over -e";
  EXPECT_EQ(browser[0].headers["User-Agent"], "Mozilla/5.0 (X11)");
  EXPECT_EQ(test::sha256_of(dir_ / "out/as-browser"), body_sha("as-browser", 1000));

  EXPECT_TRUE(server_->requests_for("/data/odd-option?").empty()) << "a bad entry is not fetched";
  EXPECT_NE(run.err.find("line 7: unknown option 'max-tries' for " + server_->data_url("odd-option", 1000)),
            std::string::npos)
      << run.err;
}

// -v says how many connections a file got, and why not more (curl -v users look there).
TEST_F(HabitsTest, VerboseSaysHowManyConnectionsAFileGets) {
  auto run = test::run_fetchpool({"get", "-v", "-x", "3", "--min-split-size", "1M", "-d", dir_ / "out",
                                  server_->data_url("traced-split", 8 << 20)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("[1] * 3 connections for 8.0 MiB ("), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("-x 3)"), std::string::npos) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/traced-split"), body_sha("traced-split", 8 << 20));
}

// Files that already fill their host's connections are not split as well: the extra
// connections would cost the server a range request each and buy nothing. The one still
// running when the others are done splits then.
TEST_F(HabitsTest, AFileIsSplitOnlyWhenItsServerHasRoomForMoreConnections) {
  FaultServer own_server;  // alone, so that every request it logs is this run's
  std::vector<std::string> args{"get", "-v", "-x", "4", "--min-split-size", "256K", "-d", dir_ / "out"};
  for (int i = 0; i < 3; ++i)  // half a second each: running while the big one starts
    args.push_back(own_server.url("/data/busy-" + std::to_string(i) + "?size=524288&trickle=1048576"));
  args.push_back(own_server.url("/data/late-split?size=2097152&trickle=1048576"));
  auto run = test::run_fetchpool(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("[4] * 1 connection for 2.0 MiB (1 part of at least 256.0 KiB, -x 4) to start: the "
                         "server carries 3 other connections"),
            std::string::npos)
      << run.err;
  EXPECT_GE(own_server.requests_for("/data/late-split?").size(), 2u) << "split once the others were done";
  EXPECT_EQ(test::sha256_of(dir_ / "out/late-split"), body_sha("late-split", 2097152));

  // A cap per host says how many connections the server may carry: splits fill it.
  args = {"get", "-v", "-x", "4", "--per-host", "16", "--min-split-size", "256K", "-d", dir_ / "capped"};
  for (int i = 0; i < 3; ++i)
    args.push_back(own_server.url("/data/capped-" + std::to_string(i) + "?size=524288&trickle=1048576"));
  args.push_back(own_server.url("/data/capped-big?size=2097152&trickle=1048576"));
  auto capped = test::run_fetchpool(args);
  ASSERT_EQ(capped.exit_code, 0) << capped.err;
  EXPECT_NE(capped.err.find("[4] * 4 connections for 2.0 MiB (4 parts of at least 256.0 KiB, -x 4)\n"),
            std::string::npos)
      << capped.err;
  EXPECT_EQ(test::sha256_of(dir_ / "capped/capped-big"), body_sha("capped-big", 2097152));

  // Two files whose first responses come together share the room: the second does not
  // plan the connections the first took.
  args = {"get", "-v", "-x", "4", "--min-split-size", "256K", "-d", dir_ / "pair"};
  for (int i = 0; i < 2; ++i)
    args.push_back(own_server.url("/data/pair-" + std::to_string(i) + "?size=2097152&trickle=2097152"));
  auto pair = test::run_fetchpool(args);
  ASSERT_EQ(pair.exit_code, 0) << pair.err;
  auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (std::size_t at = pair.err.find(text); at != std::string::npos; at = pair.err.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("* 3 connections for 2.0 MiB (3 parts of at least 256.0 KiB, -x 4) to start: the server "
                  "carries 1 other connection;"),
            1u)
      << pair.err;
  EXPECT_EQ(count("* 1 connection for 2.0 MiB (1 part of at least 256.0 KiB, -x 4) to start: the server "
                  "carries 3 other connections"),
            1u)
      << pair.err;
  for (int i = 0; i < 2; ++i) {
    const std::string name = "pair-" + std::to_string(i);
    EXPECT_EQ(test::sha256_of(dir_ / ("pair/" + name)), body_sha(name, 2097152));
  }
}

// aria2's mirrors: several URLs of one file on one line, tab-separated. A URL that fails
// for good (a 404) hands over to the next at once; one cut mid-body hands over too, and the
// bytes on disk are continued from the mirror when it shows the same version; a file whose
// every source failed is reported under its first URL.
TEST_F(HabitsTest, TabSeparatedMirrorsFailOverToTheNextUrl) {
  FaultServer mirror;
  const std::int64_t size = 1 << 20;
  const std::string gone = server_->url("/status?code=404");
  std::string list = gone + "\t" + mirror.data_url("mirrored", size) + "\n  out=mirrored\n" +
                     server_->data_url("cut", size, "reset_after=300000") + "\t" +
                     mirror.data_url("cut", size) + "\n" + server_->url("/status?code=404&x=1") + "\t" +
                     mirror.url("/status?code=410") + "\n  out=nowhere\n";
  auto run = test::run_fetchpool(
      {"get", "-q", "--retry-wait", "5", "--report", dir_ / "report.json", "-d", dir_ / "out", "-i", "-"},
      list);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/mirrored"), body_sha("mirrored", size));
  EXPECT_EQ(mirror.requests_for("/data/mirrored?").size(), 1u);

  EXPECT_EQ(test::sha256_of(dir_ / "out/cut"), body_sha("cut", size));
  EXPECT_EQ(server_->requests_for("/data/cut?").size(), 1u) << "the next attempt goes to the mirror";
  auto continued = mirror.requests_for("/data/cut?");
  ASSERT_EQ(continued.size(), 1u);
  EXPECT_EQ(continued[0].headers["Range"].rfind("bytes=", 0), 0u) << "continued, not started over";
  EXPECT_NE(continued[0].headers["Range"], "bytes=0-");

  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  bool reported = false;
  for (const auto& transfer : report["transfers"]) {
    if (transfer["path"].get<std::string>().find("nowhere") == std::string::npos) continue;
    reported = true;
    EXPECT_EQ(transfer["status"], "failed");
    EXPECT_EQ(transfer["url"], server_->url("/status?code=404&x=1")) << "named by its first URL";
    EXPECT_EQ(transfer["attempts"].get<int>(), 2) << "each source once: both failed for good";
    EXPECT_NE(transfer["error"].get<std::string>().find("410"), std::string::npos) << transfer.dump();
  }
  EXPECT_TRUE(reported) << report.dump();
}

// With -x, a file's segments spread over its mirrors, as aria2 does: connections ask the
// URLs in turn. A mirror that fails a range, or has another file (another size, or another
// version when no checksum says what the file is), is not asked again for that file: the
// others fetch its part, and the file is byte-exact.
TEST_F(HabitsTest, WithSeveralConnectionsTheSegmentsSpreadOverTheMirrors) {
  FaultServer mirror;
  const std::int64_t size = 8 << 20;
  const std::vector<std::string> flags{"get", "-v", "--progress", "plain", "-x", "4", "--min-split-size",
                                       "1M",  "-d", dir_ / "out", "-i",    "-"};
  auto ranges_at = [](const FaultServer& server, const std::string& prefix) {
    int ranges = 0;
    for (const auto& request : server.requests_for(prefix)) ranges += request.headers.count("Range") ? 1 : 0;
    return ranges;
  };

  // Trickled, so that the connections overlap and each takes a segment.
  auto spread = test::run_fetchpool(flags, server_->data_url("spread", size, "trickle=4000000") + "\t" +
                                               mirror.data_url("spread", size, "trickle=4000000") + "\n");
  ASSERT_EQ(spread.exit_code, 0) << spread.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/spread"), body_sha("spread", size));
  EXPECT_GE(ranges_at(*server_, "/data/spread?"), 1);
  EXPECT_GE(ranges_at(mirror, "/data/spread?"), 1) << "no segment went to the mirror";
  EXPECT_NE(spread.err.find("spread over 2 URLs"), std::string::npos) << spread.err;

  // A mirror that answers 404, and one with another file of the same size: refused.
  auto refused = test::run_fetchpool(
      flags, server_->data_url("kept", size, "trickle=4000000") + "\t" + mirror.url("/status?code=404&y=1") +
                 "\t" + mirror.data_url("impostor", size, "trickle=4000000") + "\n  out=kept\n");
  ASSERT_EQ(refused.exit_code, 0) << refused.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/kept"), body_sha("kept", size));
  EXPECT_NE(refused.err.find("names another version"), std::string::npos) << refused.err;
  EXPECT_LE(ranges_at(mirror, "/data/impostor?"), 1) << "a refused mirror is not asked again";

  // With the file's checksum, any version is taken from the mirrors, and the whole file is
  // verified: a mirror with the wrong bytes costs a fresh download from one server.
  auto verified = test::run_fetchpool(
      flags, server_->data_url("checked", size, "trickle=4000000") + "\t" +
                 mirror.data_url("wrong-bytes", size, "trickle=4000000") +
                 "\n  out=checked\n  checksum=sha-256=" + body_sha("checked", size) + "\n");
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/checked"), body_sha("checked", size));
}

// --limit-rate caps the run and limit-rate= one file; a capped transfer runs at its cap,
// and a minimum rate above the cap does not take it for a stall. (How close to the cap
// the rate stays is measured in bench/run, not here.)
TEST_F(HabitsTest, ARateCapSlowsTheTransferAndIsNotTakenForAStall) {
  const std::int64_t size = 160 << 10;
  std::string list = server_->data_url("capped-file", size) + "\n  limit-rate=32K\n" +
                     server_->data_url("capped-run", size) + "\n";
  auto run = test::run_fetchpool({"get", "-q", "--limit-rate", "64K", "--min-rate", "100K", "--stall-timeout",
                                  "2", "--report", dir_ / "report.json", "-d", dir_ / "out", "-i", "-"},
                                 list);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/capped-file"), body_sha("capped-file", size));
  EXPECT_EQ(test::sha256_of(dir_ / "out/capped-run"), body_sha("capped-run", size));
  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  for (const auto& transfer : report["transfers"]) {
    // 160 KiB at a 32 KiB/s share: about 5 s; uncapped it takes milliseconds.
    EXPECT_GE(transfer["elapsed_s"].get<double>(), 2.5) << transfer.dump();
    EXPECT_EQ(transfer["attempts"].get<int>(), 1) << "never retried as too slow: " << transfer.dump();
  }
  auto bad = test::run_fetchpool({"get", "-q", "-d", dir_ / "out", "-i", "-"},
                                 server_->data_url("bad-rate", 10) + "\n  limit-rate=fast\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("limit-rate=fast is not a rate"), std::string::npos) << bad.err;
}

// A config file of long options (aria2.conf's and .curlrc's way): $FETCHPOOL_CONFIG or
// ~/.config/fetchpool/config; the command line wins, --no-config skips it, and a line it
// cannot use is a usage error naming the file and the line.
TEST_F(HabitsTest, TheConfigFileSetsDefaultsTheCommandLineOverrides) {
  const std::string config = dir_ / "config";
  test::write_file(config,
                   "# defaults for every run\n"
                   "header = X-From-Config: yes\n"
                   "if-exists = fail\n"
                   "quiet\n"
                   "[pull]\n"
                   "jobs = 3\n");
  fs::create_directories(dir_ / "out");
  test::write_file(dir_ / "out/present", "mine");
  test::write_file(dir_ / "out/replaced", "mine");
  const std::string present = server_->data_url("present", 1000);
  const std::string replaced = server_->data_url("replaced", 1000);

  auto refused = run_with_config(config, {"get", "-d", dir_ / "out", present});
  EXPECT_EQ(refused.exit_code, 1) << "if-exists = fail: " << refused.err;
  EXPECT_EQ(test::read_file(dir_ / "out/present"), "mine");

  auto overridden =
      run_with_config(config, {"get", "--if-exists", "overwrite", "-d", dir_ / "out", replaced});
  EXPECT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/replaced"), body_sha("replaced", 1000));
  auto seen = server_->requests_for("/data/replaced?");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers["X-From-Config"], "yes");

  auto skipped = run_with_config(config, {"get", "--no-config", "-q", "-d", dir_ / "out", present});
  EXPECT_EQ(skipped.exit_code, 0) << "--no-config: the default (skip) again: " << skipped.err;
  EXPECT_EQ(test::read_file(dir_ / "out/present"), "mine");

  // The user's own file, where it is when FETCHPOOL_CONFIG is not set.
  fs::create_directories(dir_ / "xdg/fetchpool");
  test::write_file(dir_ / "xdg/fetchpool/config", "if-exists = fail\n");
  auto own = run_with_config("", {"get", "-q", "-d", dir_ / "out", present});
  EXPECT_EQ(own.exit_code, 1) << own.err;

  test::write_file(dir_ / "bad-config", "jobs = 4\nno-such-option = 1\n");
  auto bad = run_with_config(dir_ / "bad-config", {"get", "-d", dir_ / "out", present});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("bad-config:2: 'no-such-option' is not an option of 'fetchpool get'"),
            std::string::npos)
      << bad.err;

  auto missing = run_with_config(dir_ / "no-such-file", {"get", "-d", dir_ / "out", present});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("--no-config"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace fetchpool
