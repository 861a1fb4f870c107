// The fetchpool binary end to end against a real nginx: what a user runs and checks.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/option_values.h"
#include "support/fault_server.h"
#include "support/nginx_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/tmux.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::NginxServer;
using test::run_fetchpool;
using test::TempDir;
using test::TestData;

class GetCommandTest : public test::SharedServerTest<NginxServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<NginxServer>(TestData::get().root()); });
  }
  std::string url(const std::string& path) const { return server_->url(path); }
  std::string out(const std::string& name) const { return dir_ / ("out/" + name); }
  std::string out_dir() const { return dir_ / "out"; }
  TempDir dir_;
};

TEST_F(GetCommandTest, DownloadsEveryArgumentByteExact) {
  std::vector<std::string> args{"get", "-d", out_dir()};
  for (const auto& file : TestData::get().all()) args.push_back(url(file.url_path));
  auto run = run_fetchpool(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const auto& file : TestData::get().all()) {
    EXPECT_EQ(test::sha256_of(out(file.name)), test::sha256_of(file.disk_path)) << file.name;
  }
  EXPECT_NE(run.err.find("6 ok, 0 failed"), std::string::npos) << run.err;
  for (const auto& entry : fs::directory_iterator(out_dir())) {
    EXPECT_NE(entry.path().extension(), ".part") << entry.path();
  }
}

TEST_F(GetCommandTest, UrlAloneMeansGetIntoTheCurrentDirectory) {
  fs::create_directories(out_dir());
  fs::path previous = fs::current_path();
  fs::current_path(out_dir());
  auto run = run_fetchpool({url("/tiny.txt"), "-q"});
  fs::current_path(previous);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.err.empty()) << "-q prints only errors: " << run.err;
  EXPECT_EQ(test::sha256_of(out("tiny.txt")), test::sha256_of(TestData::get().tiny().disk_path));
}

TEST_F(GetCommandTest, ThousandFilesAndA404AllSettledCorrectly) {
  std::string list;
  const auto& many = TestData::get().many();
  for (std::size_t i = 0; i < many.size(); ++i) {
    list += url(many[i].url_path) + "\n";
    if (i == 500) list += url("/many/not-there.bin") + "\n";
  }
  test::write_file(dir_ / "list.txt", list);
  auto run = run_fetchpool(
      {"get", "-q", "-j", "16", "-d", out_dir(), "-i", dir_ / "list.txt", "--report", dir_ / "report.json"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  for (const auto& file : many) {
    ASSERT_EQ(test::sha256_of(out(file.name)), test::sha256_of(file.disk_path)) << file.name;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(out_dir()), fs::directory_iterator()), 1000);
  EXPECT_NE(run.err.find(url("/many/not-there.bin") + ": HTTP 404 Not Found"), std::string::npos) << run.err;

  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  ASSERT_EQ(report["transfers"].size(), 1001u);
  std::vector<std::string> failed;
  for (const auto& entry : report["transfers"]) {
    if (entry["status"] != "ok") failed.push_back(entry["url"]);
  }
  EXPECT_EQ(failed, std::vector<std::string>{url("/many/not-there.bin")});
  EXPECT_EQ(report["summary"]["ok"], 1000);
}

TEST_F(GetCommandTest, NotFoundAmongOthersExitsOneAndIsReported) {
  std::string list =
      url("/16k.bin") + "\n" + url("/missing.bin") + "\n  out=renamed-missing.bin\n" + url("/1m.bin") + "\n";
  test::write_file(dir_ / "list.txt", list);
  auto run = run_fetchpool({"get", "-d", out_dir(), "-i", dir_ / "list.txt", "--report", dir_ / "report.json",
                            "--save-failed", dir_ / "failed.txt"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));
  EXPECT_EQ(test::sha256_of(out("1m.bin")), test::sha256_of(TestData::get().m1().disk_path));
  EXPECT_FALSE(fs::exists(out("renamed-missing.bin")));
  EXPECT_NE(run.err.find("2 ok, 1 failed"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(url("/missing.bin") + ": HTTP 404 Not Found"), std::string::npos) << run.err;

  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  ASSERT_EQ(report["transfers"].size(), 3u);
  int failed = 0;
  for (const auto& entry : report["transfers"]) {
    if (entry["status"] == "failed") {
      ++failed;
      EXPECT_EQ(entry["url"], url("/missing.bin"));
      EXPECT_EQ(entry["http_status"], 404);
      EXPECT_EQ(entry["error"], "HTTP 404 Not Found");
      EXPECT_EQ(entry["attempts"], 1);
    } else {
      EXPECT_EQ(entry["status"], "ok");
      EXPECT_TRUE(entry["error"].is_null());
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(report["summary"]["failed"], 1);
  EXPECT_EQ(report["summary"]["ok"], 2);

  // The saved list names exactly the failure, with its options, ready for -i.
  EXPECT_EQ(test::read_file(dir_ / "failed.txt"), url("/missing.bin") + "\n  out=renamed-missing.bin\n");
}

TEST_F(GetCommandTest, NamesCanNeverEscapeTheOutputDirectory) {
  std::string list = url("/16k.bin") + "\n  out=../escaped.bin\n" + url("/16k.bin") + "\n  dir=../up\n" +
                     url("/16k.bin") + "\n  out=/tmp/fetchpool-absolute-escape.bin\n" +
                     url("/%2e%2e%2f%2e%2e%2fescaped2.bin") + "\n";
  test::write_file(dir_ / "list.txt", list);
  auto run = run_fetchpool({"get", "-d", out_dir(), "-i", dir_ / "list.txt"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "escaped.bin"));
  EXPECT_FALSE(fs::exists(dir_ / "up"));
  EXPECT_FALSE(fs::exists("/tmp/fetchpool-absolute-escape.bin"));
  EXPECT_FALSE(fs::exists(dir_ / "escaped2.bin"));
  EXPECT_NE(run.err.find("'..'"), std::string::npos) << run.err;
  // Everything that was written is inside out/.
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    std::string path = entry.path().string();
    EXPECT_TRUE(path.rfind(out_dir(), 0) == 0 || path == dir_ / "list.txt") << path;
  }
}

TEST_F(GetCommandTest, TwoEntriesForOnePathSecondFailsFirstIntact) {
  std::string list = url("/1m.bin") + "\n  out=same.bin\n" + url("/16k.bin") + "\n  out=same.bin\n";
  test::write_file(dir_ / "list.txt", list);
  auto run = run_fetchpool({"get", "-d", out_dir(), "-i", dir_ / "list.txt"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(test::sha256_of(out("same.bin")), test::sha256_of(TestData::get().m1().disk_path));
  EXPECT_NE(run.err.find("already used by another download"), std::string::npos) << run.err;
}

TEST_F(GetCommandTest, NonAsciiNamesAndDirectoriesWork) {
  const auto& file = TestData::get().unicode();
  std::string dir = dir_ / "下载 📦";
  auto run = run_fetchpool({"get", "-d", dir, url(file.url_path)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(dir + "/" + file.name), test::sha256_of(file.disk_path));
  EXPECT_NE(run.err.find(file.name), std::string::npos) << run.err;

  auto named = run_fetchpool({"get", "-d", dir, "-o", "重命名 ✓.bin", url(file.url_path)});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(test::sha256_of(dir + "/重命名 ✓.bin"), test::sha256_of(file.disk_path));
}

TEST_F(GetCommandTest, ListFromStdinWithHeadersAndChecksum) {
  const auto& file = TestData::get().k16();
  std::string list = url(file.url_path) +
                     "\n  header=X-Test: 1\n  checksum=sha256:" + test::sha256_of(file.disk_path) + "\n" +
                     url("/tiny.txt") + "\n  checksum=sha256:" + std::string(64, 'a') + "\n";
  auto run = run_fetchpool({"get", "-d", out_dir(), "-i", "-"}, list);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(out(file.name)), test::sha256_of(file.disk_path));
  EXPECT_FALSE(fs::exists(out("tiny.txt")));
  EXPECT_NE(run.err.find("checksum mismatch"), std::string::npos) << run.err;
}

TEST_F(GetCommandTest, ExistingFileIsKeptAndCountsAsDone) {
  fs::create_directories(out_dir());
  test::write_file(out("16k.bin"), "mine");
  auto run = run_fetchpool({"get", "-d", out_dir(), url("/16k.bin")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::read_file(out("16k.bin")), "mine");
  EXPECT_NE(run.err.find("1 skipped"), std::string::npos) << run.err;

  auto replace = run_fetchpool({"get", "-q", "--if-exists", "overwrite", "-d", out_dir(), url("/16k.bin")});
  EXPECT_EQ(replace.exit_code, 0) << replace.err;
  EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));
}

TEST_F(GetCommandTest, BasicAuthFromUserFlagOrNetrc) {
  const std::string user_pass = std::string(NginxServer::kUser) + ":" + NginxServer::kPassword;
  auto denied = run_fetchpool({"get", "-d", out_dir(), url("/private/16k.bin")});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("HTTP 401"), std::string::npos) << denied.err;

  auto with_user = run_fetchpool({"get", "-q", "-u", user_pass, "-d", out_dir(), url("/private/16k.bin")});
  ASSERT_EQ(with_user.exit_code, 0) << with_user.err;
  EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));

  test::write_file(dir_ / "netrc", std::string("machine 127.0.0.1 login ") + NginxServer::kUser +
                                       " password " + NginxServer::kPassword + "\n");
  auto with_netrc =
      run_fetchpool({"get", "-q", "--netrc-file", dir_ / "netrc", "-d", out_dir(), url("/private/1m.bin")});
  ASSERT_EQ(with_netrc.exit_code, 0) << with_netrc.err;
  EXPECT_EQ(test::sha256_of(out("1m.bin")), test::sha256_of(TestData::get().m1().disk_path));
  EXPECT_EQ(with_user.err.find(NginxServer::kPassword), std::string::npos);
}

TEST_F(GetCommandTest, HeadersFromFlagsAndListAreSent) {
  auto without = run_fetchpool({"get", "-d", out_dir(), url("/needs-header/tiny.txt")});
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.err.find("HTTP 403"), std::string::npos) << without.err;

  auto with_flag = run_fetchpool(
      {"get", "-q", "-H", "X-Token: let-me-in", "-d", out_dir(), url("/needs-header/tiny.txt")});
  EXPECT_EQ(with_flag.exit_code, 0) << with_flag.err;

  auto with_list = run_fetchpool({"get", "-q", "-d", out_dir(), "-i", "-"},
                                 url("/needs-header/16k.bin") + "\n  header=X-Token: let-me-in\n");
  EXPECT_EQ(with_list.exit_code, 0) << with_list.err;
  EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));
}

// As curl takes them: each use of an option takes one value, so the URL after a header is
// a URL, and a repeated option adds up.
TEST_F(GetCommandTest, AnOptionTakesOneValuePerUseAndRepeatsAddUp) {
  auto header_then_url = run_fetchpool(
      {"get", "-q", "-d", out_dir(), "-H", "X-Token: let-me-in", url("/needs-header/tiny.txt")});
  EXPECT_EQ(header_then_url.exit_code, 0) << header_then_url.err;
  EXPECT_TRUE(fs::exists(out("tiny.txt")));

  auto repeated = run_fetchpool({"get", "-q", "-d", out_dir(), "-H", "X-Other: 1", "-H", "X-Token: let-me-in",
                                 url("/needs-header/16k.bin"), url("/1m.bin")});
  EXPECT_EQ(repeated.exit_code, 0) << repeated.err;
  EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));
  EXPECT_EQ(test::sha256_of(out("1m.bin")), test::sha256_of(TestData::get().m1().disk_path));
}

// A URL typed on the command line that can never be fetched is a usage error, at once,
// with the reason (and no password); the same URL in a list is that entry's failure.
TEST_F(GetCommandTest, ABadUrlOnTheCommandLineIsAUsageError) {
  for (const char* bad : {"ftp://127.0.0.1/file", "http://bob:hunter2@/file", "example.com/file"}) {
    auto run = run_fetchpool({"get", "-d", out_dir(), url("/tiny.txt"), bad});
    EXPECT_EQ(run.exit_code, 2) << bad << ": " << run.err;
    EXPECT_NE(run.err.find("fetchpool: error:"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("hunter2"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(out("tiny.txt"))) << "nothing runs";
  }
  auto listed =
      run_fetchpool({"get", "-q", "-d", out_dir(), "-i", "-"}, url("/tiny.txt") + "\nftp://127.0.0.1/x\n");
  EXPECT_EQ(listed.exit_code, 1) << listed.err;
  EXPECT_TRUE(fs::exists(out("tiny.txt")));
}

// -o is the user's own path, as with curl: a directory part is honoured (from -d when
// relative), and `-o -` writes the body to stdout once it is complete and verified.
TEST_F(GetCommandTest, OutputIsTheUsersPathAndDashIsStdout) {
  const fs::path base(dir_.path());
  fs::create_directories(base / "out" / "sub");
  auto up =
      run_fetchpool({"get", "-q", "-d", (base / "out" / "sub").string(), "-o", "../up.bin", url("/16k.bin")});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(test::sha256_of(base / "out" / "up.bin"), test::sha256_of(TestData::get().k16().disk_path));

  const fs::path absolute = base / "elsewhere" / "abs.bin";
  auto abs = run_fetchpool({"get", "-q", "-o", absolute.string(), url("/1m.bin")});
  ASSERT_EQ(abs.exit_code, 0) << abs.err;
  EXPECT_EQ(test::sha256_of(absolute), test::sha256_of(TestData::get().m1().disk_path));

  auto to_stdout = run_fetchpool({"get", "-q", "-o", "-", url("/1m.bin")});
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_EQ(test::sha256_hex(to_stdout.out), test::sha256_of(TestData::get().m1().disk_path));
  EXPECT_FALSE(fs::exists(fs::current_path() / "-"));

  auto missing = run_fetchpool({"get", "-q", "-o", "-", url("/not-there.bin")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(missing.out.empty()) << "nothing reaches stdout from a failed download";

  auto no_name = run_fetchpool({"get", "-q", "-o", (base / "out").string() + "/", url("/16k.bin")});
  EXPECT_EQ(no_name.exit_code, 2) << no_name.err;
}

// -u USER without a password: asked for on the terminal, as curl does, and never echoed.
TEST_F(GetCommandTest, AUserWithoutAPasswordIsAskedForItOnTheTerminal) {
  const std::string command = std::string(FETCHPOOL_BINARY) + " get -q -u " + NginxServer::kUser + " -d '" +
                              out_dir() + "' '" + url("/private/1m.bin") + "'; echo EXITED $?; sleep 60";
  test::Tmux terminal(command);
  std::string asked = terminal.screen_with("Enter host password for user", 10s);
  ASSERT_NE(asked.find(std::string("user '") + NginxServer::kUser + "':"), std::string::npos) << asked;
  terminal.send_keys(NginxServer::kPassword);
  terminal.send_keys("Enter");
  std::string ended = terminal.screen_with("EXITED", 20s);
  EXPECT_NE(ended.find("EXITED 0"), std::string::npos) << ended;
  EXPECT_EQ(ended.find(NginxServer::kPassword), std::string::npos) << "echoed: " << ended;
  EXPECT_EQ(test::sha256_of(out("1m.bin")), test::sha256_of(TestData::get().m1().disk_path));

  // With no terminal to ask on (a new session has none): a usage error that says what to do.
  auto no_tty = test::run_process({"/usr/bin/setsid", "-w", FETCHPOOL_BINARY, "get", "-u", "someone", "-d",
                                   out_dir(), url("/private/16k.bin")});
  EXPECT_EQ(no_tty.exit_code, 2) << no_tty.err;
  EXPECT_NE(no_tty.err.find("-u user:password"), std::string::npos) << no_tty.err;
}

TEST_F(GetCommandTest, PerHostCapLimitsConnections) {
  std::string list;
  for (int i = 0; i < 100; ++i) list += url(TestData::get().many()[i].url_path) + "\n";
  std::size_t before = server_->access_log().size();
  auto run = run_fetchpool({"get", "-q", "-j", "16", "--per-host", "2", "-d", out_dir(), "-i", "-"}, list);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream log(server_->access_log().substr(before));
  std::string protocol, connection;
  std::set<std::string> connections;
  while (log >> protocol >> connection) connections.insert(connection);
  // Keep-alive reuses the connections; the cap keeps them to two at a time.
  EXPECT_GE(connections.size(), 1u);
  EXPECT_LE(connections.size(), 2u);
}

TEST_F(GetCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_fetchpool({"get"}).exit_code, 2);
  EXPECT_EQ(run_fetchpool({}).exit_code, 2);
  auto bad_flag = run_fetchpool({"get", "--no-such-flag", url("/tiny.txt")});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_NE(bad_flag.err.find("--no-such-flag"), std::string::npos) << bad_flag.err;
  auto two_outputs = run_fetchpool({"get", "-o", "x", url("/tiny.txt"), url("/16k.bin")});
  EXPECT_EQ(two_outputs.exit_code, 2);
  EXPECT_NE(two_outputs.err.find("exactly one URL"), std::string::npos) << two_outputs.err;
  EXPECT_EQ(run_fetchpool({"get", "-j", "0", url("/tiny.txt")}).exit_code, 2);
  EXPECT_EQ(run_fetchpool({"get", "-i", dir_ / "does-not-exist.txt"}).exit_code, 2);
}

TEST_F(GetCommandTest, VersionNamesLibcurlAndOpenSsl) {
  auto run = run_fetchpool({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("fetchpool 0."), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("libcurl/"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("OpenSSL/"), std::string::npos) << run.out;
}

// The values the shell completions offer are the ones the commands take.
TEST_F(GetCommandTest, EveryCompletedValueIsAccepted) {
  for (const char* option : {"--progress", "--if-exists"}) {
    for (std::string_view value : cli::option_values("get", option)) {
      auto run = run_fetchpool({"get", "-q", "-d", out_dir(), option, std::string(value), url("/tiny.txt")});
      EXPECT_NE(run.exit_code, 2) << option << " " << value << ": " << run.err;
    }
  }
  for (std::string_view value : cli::option_values("pull", "--format")) {
    auto run = run_fetchpool({"pull", "--format", std::string(value), "example.com/x"});
    EXPECT_NE(run.err.find("pull needs -o"), std::string::npos) << "--format " << value << ": " << run.err;
  }
  EXPECT_FALSE(cli::option_values("pull", "--format").empty());
}

// As curl -V: a "Features:" line, from the libraries this binary runs with.
TEST_F(GetCommandTest, VersionListsFeaturesAsCurlDoes) {
  auto run = run_fetchpool({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  std::string features;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Features: ", 0) == 0) features = line + " ";
  }
  ASSERT_FALSE(features.empty()) << run.out;
  // Debian 12's libcurl has HTTP/2 (nghttp2) and speaks TLS to proxies.
  for (const char* feature : {" HTTP2 ", " OpenSSL/3.", " HTTP-proxy ", " HTTPS-proxy ", " SOCKS-proxy ",
                              " libz/", " zstd/1.", " utf8proc/2."}) {
    EXPECT_NE(features.find(feature), std::string::npos) << feature << " in " << run.out;
  }
  auto short_form = run_fetchpool({"-V"});
  EXPECT_EQ(short_form.out, run.out);
}

TEST_F(GetCommandTest, HelpListsTheOptions) {
  auto run = run_fetchpool({"get", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* option : {"--jobs", "--input-file", "--dir", "--report", "--save-failed", "--insecure"}) {
    EXPECT_NE(run.out.find(option), std::string::npos) << option;
  }
}

TEST_F(GetCommandTest, CredentialsInUrlsAreNeverPrinted) {
  std::string secret_url = "http://bob:hunter2@127.0.0.1:" + std::to_string(server_->port()) + "/missing.bin";
  auto run = run_fetchpool({"get", "-d", out_dir(), "--report", dir_ / "r.json", secret_url});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err.find("hunter2"), std::string::npos) << run.err;
  EXPECT_EQ(test::read_file(dir_ / "r.json").find("hunter2"), std::string::npos);
}

// The same command against the fault server: data it generates, failures it injects.
class GetCommandFaultTest : public test::SharedServerTest<test::FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<test::FaultServer>(); });
  }
  /// "http://USERINFO@127.0.0.1:PORT/data/NAME?size=SIZE&QUERY".
  std::string with_userinfo(const std::string& userinfo, const std::string& name,
                            const std::string& query = "") {
    return "http://" + userinfo + "@" + server_->data_url(name, kSize, query).substr(7);
  }
  std::string body(const std::string& name) const { return test::sha256_hex(test::fault_body(name, kSize)); }
  std::string out(const std::string& name) const { return dir_ / ("out/" + name); }
  static int mode_of(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? static_cast<int>(info.st_mode & 07777) : -1;
  }
  static constexpr std::int64_t kSize = 100'000;
  TempDir dir_;
};

// A password holding an unescaped '@', '/', '?' or '#' makes a URL libcurl cannot parse, or
// parse differently; no part of it may reach stderr, the progress stream or the report.
// From a list (on the command line, such a URL is a usage error: see below).
TEST_F(GetCommandFaultTest, PasswordsWithDelimitersAreNeverPrintedOrReported) {
  std::vector<std::string> urls;
  for (const char* delimiter : {"@", "/", "?", "#", ""}) {
    urls.push_back(with_userinfo(std::string("bob:s3cr") + delimiter + "etX9",
                                 "pw" + std::to_string(urls.size()), "fail_first=1&status=503"));
  }
  for (const char* progress : {"plain", "json"}) {
    SCOPED_TRACE(progress);
    std::string report = dir_ / (std::string(progress) + ".json");
    std::string saved = dir_ / (std::string(progress) + "-failed.txt");
    std::string out_dir = dir_ / ("out-" + std::string(progress));
    std::string list;
    for (const std::string& url : urls) list += url + "\n";
    std::vector<std::string> args{"get", "--progress", progress,   "--retry-wait", "0.05",
                                  "-d",  out_dir,      "--report", report,         "--save-failed",
                                  saved, "-i",         "-"};
    auto run = run_fetchpool(args, list);
    EXPECT_EQ(run.exit_code, 1) << run.err;
    // The well-formed one was retried (a line naming its URL) and arrived.
    EXPECT_EQ(test::sha256_of(out_dir + "/pw4"), body("pw4"));
    EXPECT_NE(run.err.find("/data/pw4"), std::string::npos) << run.err;
    std::string written = test::read_file(report);
    for (const char* piece : {"s3cr", "etX9"}) {
      EXPECT_EQ(run.err.find(piece), std::string::npos) << run.err;
      EXPECT_EQ(written.find(piece), std::string::npos) << written;
    }
    auto transfers = nlohmann::json::parse(written)["transfers"];
    ASSERT_EQ(transfers.size(), urls.size());
    for (const auto& transfer : transfers) {
      EXPECT_NE(transfer["url"].get<std::string>().find("/data/pw"), std::string::npos) << transfer;
    }
    // --save-failed keeps the URLs as given: running it again must send the same credentials.
    std::string failed = test::read_file(saved);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NE(failed.find(urls[i] + "\n"), std::string::npos) << failed;
  }
  // On the command line, a URL that cannot be parsed is a usage error; its message names it
  // without any part of the password.
  for (std::size_t i = 0; i < 4; ++i) {
    auto typed = run_fetchpool({"get", "-d", dir_ / "out-typed", urls[i]});
    EXPECT_EQ(typed.exit_code, 2) << typed.err;
    for (const char* piece : {"s3cr", "etX9"})
      EXPECT_EQ(typed.err.find(piece), std::string::npos) << typed.err;
  }
}

TEST_F(GetCommandFaultTest, SaveFailedAndReportAreReadableByTheOwnerOnly) {
  // Left readable by all by an earlier run: the run narrows them.
  test::write_file(dir_ / "failed.txt", "old\n");
  test::write_file(dir_ / "report.json.part", "old\n");
  ::chmod((dir_ / "failed.txt").c_str(), 0644);
  ::chmod((dir_ / "report.json.part").c_str(), 0644);
  auto run =
      run_fetchpool({"get", "-q", "-d", dir_ / "out", "--report", dir_ / "report.json", "--save-failed",
                     dir_ / "failed.txt", with_userinfo("bob:s3cretX9", "gone", "fail_first=9&status=404")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(mode_of(dir_ / "failed.txt"), 0600);
  EXPECT_EQ(mode_of(dir_ / "report.json"), 0600);
  EXPECT_NE(test::read_file(dir_ / "failed.txt").find("bob:s3cretX9@"), std::string::npos);
}

// `fetchpool get ... 2>&1 | head -1` under a shell that ignores SIGPIPE: once head is gone
// every write to the terminal fails; the run must finish as if nobody had been watching.
TEST_F(GetCommandFaultTest, ClosedOutputPipeChangesNothingWhenSigpipeIsIgnored) {
  const std::vector<std::string> names{"pipe0", "pipe1", "pipe2", "pipe3"};
  for (const char* progress : {"plain", "json"}) {
    SCOPED_TRACE(progress);
    std::string out_dir = dir_ / ("out-" + std::string(progress));
    std::string report = dir_ / (std::string(progress) + ".json");
    std::vector<std::string> args{"get", "--progress", progress,   "--retry-wait", "0.05",
                                  "-d",  out_dir,      "--report", report};
    for (const std::string& name : names) {
      args.push_back(
          server_->data_url(name + progress, kSize, name == "pipe0" ? "fail_first=1&status=503" : ""));
    }
    test::ChildProcess child(test::fetchpool_argv(args),
                             test::ChildOptions{.ignore_sigpipe = true, .output_to_closed_pipe = true});
    auto run = child.wait(std::chrono::seconds(60));
    EXPECT_EQ(run.exit_code, 0);
    for (const std::string& name : names) {
      EXPECT_EQ(test::sha256_of(out_dir + "/" + name + progress),
                test::sha256_hex(test::fault_body(name + progress, kSize)))
          << name;
    }
    auto written = nlohmann::json::parse(test::read_file(report));
    EXPECT_EQ(written["transfers"].size(), names.size());
    EXPECT_EQ(written["summary"]["ok"], 4);
  }
}

// An entry with a bad option never runs, but it is still that entry: its URL in the report,
// the line at fault in the message.
TEST_F(GetCommandFaultTest, BadListEntryIsReportedWithItsUrlAndLine) {
  std::string bad = server_->data_url("bad", kSize);
  test::write_file(dir_ / "list.txt", bad + "\n  bogus=1\n" + server_->data_url("good", kSize) + "\n");
  auto run =
      run_fetchpool({"get", "-d", dir_ / "out", "-i", dir_ / "list.txt", "--report", dir_ / "report.json"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(out("good")), body("good"));
  EXPECT_FALSE(fs::exists(out("bad")));
  EXPECT_NE(run.err.find(bad + ": line 2: unknown option 'bogus'"), std::string::npos) << run.err;
  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  const nlohmann::json* entry = nullptr;
  for (const auto& transfer : report["transfers"]) {
    if (transfer["status"] == "failed") entry = &transfer;
  }
  ASSERT_NE(entry, nullptr) << report;
  EXPECT_EQ((*entry)["url"], bad);
  EXPECT_EQ((*entry)["category"], "invalid_input");
  EXPECT_NE((*entry)["error"].get<std::string>().find("line 2: unknown option 'bogus'"), std::string::npos);
}

TEST_F(GetCommandFaultTest, HugeListLineIsQuotedShortly) {
  constexpr std::size_t kHuge = 50 * 1024 * 1024;
  std::string bad = server_->data_url("huge", kSize);
  test::write_file(dir_ / "list.txt",
                   bad + "\n  " + std::string(kHuge, 'x') + "\n" + server_->data_url("after", kSize) + "\n");
  auto run =
      run_fetchpool({"get", "-d", dir_ / "out", "-i", dir_ / "list.txt", "--report", dir_ / "report.json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(test::sha256_of(out("after")), body("after"));
  EXPECT_LT(run.err.size(), 4096u) << run.err.substr(0, 4096);
  EXPECT_NE(run.err.find("line 2: option 'xxx"), std::string::npos) << run.err.substr(0, 4096);
  EXPECT_NE(run.err.find("... (" + std::to_string(kHuge) + " bytes)"), std::string::npos)
      << run.err.substr(0, 4096);
  std::string report = test::read_file(dir_ / "report.json");
  EXPECT_LT(report.size(), 4096u);
  EXPECT_NE(report.find(bad), std::string::npos);
}

// With few file descriptors (ulimit -n 1024, soft and hard) and far more transfers asked
// for at once than that allows, every file still arrives: concurrency is capped to what
// the descriptors allow, and said so once.
TEST_F(GetCommandTest, EveryFileArrivesUnderALowDescriptorLimit) {
  std::string list;
  const auto& many = TestData::get().many();
  for (const char* copy : {"a", "b", "c"})
    for (const auto& file : many) list += url(file.url_path) + "\n  dir=" + copy + "\n";
  test::write_file(dir_ / "list.txt", list);
  std::vector<std::string> argv{"/usr/bin/prlimit", "--nofile=1024:1024"};
  for (const std::string& arg : test::fetchpool_argv(
           {"get", "-j", "5000", "--progress", "none", "-i", dir_ / "list.txt", "-d", out_dir()}))
    argv.push_back(arg);
  auto run = test::run_process(argv);
  ASSERT_EQ(run.exit_code, 0) << run.err.substr(0, 2000);
  std::size_t notices = 0;
  for (std::size_t at = run.err.find("-j 5000 lowered to"); at != std::string::npos;
       at = run.err.find("-j 5000 lowered to", at + 1))
    ++notices;
  EXPECT_EQ(notices, 1u) << run.err.substr(0, 2000);
  for (const char* copy : {"a", "b", "c"}) {
    for (const auto& file : {many.front(), many.back()})
      EXPECT_EQ(test::sha256_of(out_dir() + "/" + copy + "/" + file.name), test::sha256_of(file.disk_path));
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(out_dir() + "/" + copy)) ++count;
    EXPECT_EQ(count, many.size()) << copy;
  }
}

}  // namespace
}  // namespace fetchpool
