// HTTPS against a real nginx with its own CA: verification on by default, the advice a
// person gets when it fails, and HTTP/2 multiplexing.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/fault_server.h"
#include "support/nginx_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

using test::NginxServer;
using test::run_fetchpool;
using test::TempDir;
using test::TestData;

class TlsTest : public test::SharedServerTest<NginxServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<NginxServer>(TestData::get().root(), NginxServer::Scheme::https); });
  }
  std::string out(const std::string& name) const { return dir_ / ("out/" + name); }

  TempDir dir_;
};

TEST_F(TlsTest, UntrustedCertificateFailsWithAdvice) {
  auto run = run_fetchpool({"get", "-d", dir_ / "out", server_->url("/16k.bin")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("TLS certificate verification failed"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--insecure"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--ca-cert"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[tls]"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(out("16k.bin"))) << "nothing is written when verification fails";
}

TEST_F(TlsTest, TrustedCaGivesByteExactFiles) {
  const auto& file = TestData::get().m1();
  auto run = run_fetchpool(
      {"get", "--ca-cert", server_->ca_file(), "-d", dir_ / "out", server_->url(file.url_path)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(out(file.name)), test::sha256_of(file.disk_path));
}

// https through a proxy's CONNECT tunnel (the fault server tunnels to nginx), verified
// end to end: the proxy sees only the CONNECT, never the request inside.
TEST_F(TlsTest, HttpsGoesThroughTheProxysTunnel) {
  test::FaultServer proxy;
  const auto& file = TestData::get().m1();
  auto run = test::run_fetchpool_with_proxy_env(
      {"https_proxy=" + proxy.url("")},
      {"get", "-q", "--ca-cert", server_->ca_file(), "-d", dir_ / "out", server_->url(file.url_path)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(out(file.name)), test::sha256_of(file.disk_path));
  auto requests = proxy.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "CONNECT");
  EXPECT_EQ(requests[0].path, "127.0.0.1:" + std::to_string(server_->port()));
}

// A download that started over https never continues over plain http unless asked, and
// even then no credential (netrc, -u, -H) goes over it: here a netrc entry for the very
// host the redirect leads to, on another port.
TEST_F(TlsTest, RedirectToPlainHttpIsRefusedAndNeverCarriesCredentials) {
  test::FaultServer plain;
  test::write_file(dir_ / "netrc", "machine 127.0.0.1 login alice password s3cret-netrc\n");
  const std::string url = server_->url("/redirect-to?to=" + plain.url("/q/size=1000/down"));
  const std::vector<std::string> common{"get",          "-q",           "--ca-cert", server_->ca_file(),
                                        "--netrc-file", dir_ / "netrc", "-H",        "X-Api-Key: k3y",
                                        "-d",           dir_ / "out",   "-o",        "down"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = common;
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url);
    return run_fetchpool(args);
  };
  auto refused = with({});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("from https to plain http"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--allow-downgrade"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("[tls]"), std::string::npos) << refused.err;
  EXPECT_TRUE(plain.requests().empty()) << "nothing was asked over plain http";
  EXPECT_FALSE(std::filesystem::exists(out("down")));

  for (const std::vector<std::string>& allowed :
       {std::vector<std::string>{"--allow-downgrade"},
        std::vector<std::string>{"--allow-downgrade", "--location-trusted", "-u", "bob:s3cret-u"}}) {
    std::filesystem::remove(out("down"));
    const std::size_t before = plain.requests().size();
    auto followed = with(allowed);
    ASSERT_EQ(followed.exit_code, 0) << followed.err;
    EXPECT_EQ(test::read_file(out("down")), test::fault_body("down", 1000));
    auto asked = plain.requests();
    ASSERT_EQ(asked.size(), before + 1);
    EXPECT_EQ(asked.back().headers.count("Authorization"), 0u) << allowed.back();
    EXPECT_EQ(asked.back().headers.count("X-Api-Key"), 0u) << allowed.back();
  }
}

// A CA file that cannot be read is a mistake on the command line: said before anything starts.
TEST_F(TlsTest, AnUnreadableCaFileIsAUsageError) {
  for (const std::string command : {"get", "pull"}) {
    std::vector<std::string> args{command, "--ca-cert", dir_ / "missing.pem"};
    if (command == "pull") {
      args.insert(args.end(), {"-o", dir_ / "image.tar", "127.0.0.1:1/app:v1"});
    } else {
      args.insert(args.end(), {"-d", dir_ / "out", server_->url("/16k.bin")});
    }
    auto run = run_fetchpool(args);
    EXPECT_EQ(run.exit_code, 2) << command << ": " << run.err;
    EXPECT_NE(
        run.err.find("--ca-cert " + dir_ / "missing.pem" + ": cannot read it (No such file or directory)"),
        std::string::npos)
        << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "image.tar"));
}

TEST_F(TlsTest, InsecureSkipsVerification) {
  auto run = run_fetchpool({"get", "-k", "-d", dir_ / "out", server_->url("/16k.bin")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));
}

TEST_F(TlsTest, Http2CarriesManyTransfersOnFewConnections) {
  std::string list;
  const auto& many = TestData::get().many();
  for (int i = 0; i < 200; ++i) list += server_->url(many[i].url_path) + "\n";
  std::size_t before = server_->access_log().size();
  auto run = run_fetchpool(
      {"get", "-q", "-j", "16", "--ca-cert", server_->ca_file(), "-d", dir_ / "out", "-i", "-"}, list);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (int i = 0; i < 200; ++i)
    ASSERT_EQ(test::sha256_of(out(many[i].name)), test::sha256_of(many[i].disk_path));

  std::istringstream log(server_->access_log().substr(before));
  std::string protocol, connection;
  std::set<std::string> connections;
  int requests = 0;
  while (log >> protocol >> connection) {
    EXPECT_EQ(protocol, "HTTP/2.0");
    connections.insert(connection);
    ++requests;
  }
  EXPECT_EQ(requests, 200);
  // 16 at a time multiplexed: a connection or two, not sixteen.
  EXPECT_LE(connections.size(), 2u) << "connections used: " << connections.size();
}

TEST_F(TlsTest, SplitFileGetsConnectionsOfItsOwnOverHttp11) {
  // HTTP/2 would put every part on one TCP connection, and under one per-connection limit:
  // the extra parts ask over HTTP/1.1, each on a connection of its own.
  const auto& file = TestData::get().m1();
  std::size_t before = server_->access_log().size();
  auto run = run_fetchpool({"get", "-q", "-x", "4", "--min-split-size", "128K", "--ca-cert",
                            server_->ca_file(), "-d", dir_ / "out", server_->url(file.url_path)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(out(file.name)), test::sha256_of(file.disk_path));

  std::istringstream log(server_->access_log().substr(before));
  std::string protocol, connection;
  std::set<std::string> connections;
  std::vector<std::string> protocols;
  while (log >> protocol >> connection) {
    protocols.push_back(protocol);
    connections.insert(connection);
  }
  ASSERT_GE(protocols.size(), 4u);
  EXPECT_EQ(protocols.front(), "HTTP/2.0") << "the first request is an ordinary one";
  EXPECT_EQ(std::count(protocols.begin(), protocols.end(), "HTTP/1.1"),
            static_cast<std::ptrdiff_t>(protocols.size() - 1));
  EXPECT_GE(connections.size(), 4u);
}

}  // namespace
}  // namespace fetchpool
