// Credentials where docker, podman and skopeo users already keep them: credential helpers
// (credHelpers, credsStore: real executables on PATH speaking the helper protocol), the
// containers auth files (--authfile, REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers),
// Docker's config.json, in a documented order; a 401 says what was tried. Secrets are
// never printed.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/nginx_server.h"
#include "support/process.h"
#include "support/registry_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::RegistryServer;
using test::TempDir;

class RegistryCredentialsTest : public test::SharedServerTest<RegistryServer> {
 protected:
  static void SetUpTestSuite() {
    pushed_ = false;
    start([] { return std::make_unique<RegistryServer>(RegistryServer::Auth::basic); });
  }
  void SetUp() override {
    if (!pushed_) {
      server_->push_image("creds/app", "v1", {.layers = 1});
      pushed_ = true;
    }
    fs::create_directories(dir_ / "home");
    fs::create_directories(dir_ / "bin");
  }
  std::string image() const { return server_->host() + "/creds/app:v1"; }
  std::string right_auth() const {
    return R"({"auths":{")" + server_->host() + R"(":{"auth":")" + server_->base64_credentials() + R"("}}})";
  }
  static std::string wrong_auth(const std::string& host) {
    return R"({"auths":{")" + host + R"(":{"username":"alice","password":"wrong"}}})";
  }
  /// A credential helper docker-credential-NAME in dir_/bin: a shell script `body` (it is
  /// given "get" and reads the server from stdin).
  void write_helper(const std::string& name, const std::string& body) {
    const std::string path = dir_ / ("bin/docker-credential-" + name);
    test::write_file(path, "#!/bin/sh\n" + body);
    fs::permissions(path, fs::perms::owner_all);
  }
  /// A helper that answers `user` and `secret` for the test registry and logs each call.
  void write_answering_helper(const std::string& name, const std::string& user, const std::string& secret) {
    write_helper(
        name, "read server\necho \"$1 $server\" >> " + dir_ / ("calls-" + name) + "\n" +
                  "if [ \"$server\" = \"" + server_->host() + "\" ]; then\n" +
                  "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret +
                  "\"}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n");
  }
  /// dir_/docker/config.json holding `config_json`: give DOCKER_CONFIG=dir_/docker to pull().
  void write_docker_config(const std::string& config_json) {
    fs::create_directories(dir_ / "docker");
    test::write_file(dir_ / "docker/config.json", config_json);
  }
  /// fetchpool pull in an environment of the test's own: HOME and PATH (dir_/bin first)
  /// set, the auth variables unset unless `env` gives them.
  test::ProcessResult pull(const std::map<std::string, std::string>& env, std::vector<std::string> flags,
                           const std::string& image_ref = "") {
    std::vector<std::string> argv{"/usr/bin/env",
                                  "-u",
                                  "DOCKER_CONFIG",
                                  "-u",
                                  "REGISTRY_AUTH_FILE",
                                  "-u",
                                  "XDG_RUNTIME_DIR",
                                  "HOME=" + dir_ / "home",
                                  "PATH=" + dir_ / "bin" + ":/usr/bin:/bin"};
    for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
    std::vector<std::string> args{"pull", "-q", "-o", dir_ / ("out-" + std::to_string(++pulls_) + ".tar")};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(image_ref.empty() ? image() : image_ref);
    for (const std::string& arg : test::fetchpool_argv(args)) argv.push_back(arg);
    return test::run_process(argv, "", std::chrono::seconds(60));
  }
  static inline bool pushed_ = false;
  int pulls_ = 0;
  TempDir dir_;
};

TEST_F(RegistryCredentialsTest, CredsStoreAndCredHelpersAreRunAsDockerRunsThem) {
  write_answering_helper("store", RegistryServer::kUser, RegistryServer::kPassword);
  write_docker_config(R"({"credsStore":"store","auths":{")" + server_->host() + R"(":{}}})");
  auto stored = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_EQ(test::read_file(dir_ / "calls-store"), "get " + server_->host() + "\n");
  EXPECT_EQ((stored.out + stored.err).find(RegistryServer::kPassword), std::string::npos);

  // credHelpers names the helper for this registry, over credsStore.
  write_answering_helper("per-registry", RegistryServer::kUser, RegistryServer::kPassword);
  write_helper("broken", "echo 'should not be asked' >&2; exit 3\n");
  test::write_file(dir_ / "docker/config.json",
                   R"({"credsStore":"broken","credHelpers":{")" + server_->host() + R"(":"per-registry"}})");
  auto helped = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  ASSERT_EQ(helped.exit_code, 0) << helped.err;
  EXPECT_EQ(test::read_file(dir_ / "calls-per-registry"), "get " + server_->host() + "\n");
}

TEST_F(RegistryCredentialsTest, AFailingHelperIsNamedWithItsErrorAndWhatWasTried) {
  write_helper("pass", "cat >/dev/null; echo 'pass: gpg-agent is not running' >&2; exit 1\n");
  write_docker_config(R"({"credsStore":"pass"})");
  auto failed = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_NE(failed.err.find("docker-credential-pass: exited with status 1: pass: gpg-agent is not running"),
            std::string::npos)
      << failed.err;
  EXPECT_NE(failed.err.find("tried --username (not given)"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("docker login " + server_->host()), std::string::npos) << failed.err;
  EXPECT_EQ(failed.err.find("give --username and --password-stdin, or log in with docker"),
            std::string::npos);

  // Nothing anywhere: each place looked is named.
  auto anonymous = pull({{"XDG_RUNTIME_DIR", dir_ / "run"}}, {});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.err.find(dir_ / "run/containers/auth.json (not there)"), std::string::npos)
      << anonymous.err;
  EXPECT_NE(anonymous.err.find(dir_ / "home/.docker/config.json (not there)"), std::string::npos)
      << anonymous.err;
}

// A helper that never answers is stopped (10 s), and the pull says so.
TEST_F(RegistryCredentialsTest, AHelperThatHangsIsStopped) {
  write_helper("hang", "exec sleep 300\n");
  write_docker_config(R"({"credsStore":"hang"})");
  auto hung = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  EXPECT_EQ(hung.exit_code, 1) << hung.err;
  EXPECT_NE(hung.err.find("docker-credential-hang: gave no answer in 10 s (stopped)"), std::string::npos)
      << hung.err;
}

// The containers convention first (as podman): --authfile alone; else REGISTRY_AUTH_FILE,
// or ${XDG_RUNTIME_DIR}/containers/auth.json; Docker's config.json after them.
TEST_F(RegistryCredentialsTest, AuthFilesAreReadInTheDocumentedOrder) {
  fs::create_directories(dir_ / "run/containers");
  fs::create_directories(dir_ / "docker");
  test::write_file(dir_ / "run/containers/auth.json", right_auth());
  test::write_file(dir_ / "docker/config.json", wrong_auth(server_->host()));
  auto runtime = pull({{"XDG_RUNTIME_DIR", dir_ / "run"}, {"DOCKER_CONFIG", dir_ / "docker"}}, {});
  EXPECT_EQ(runtime.exit_code, 0) << "XDG_RUNTIME_DIR's auth.json before Docker's: " << runtime.err;

  test::write_file(dir_ / "registry-auth.json", right_auth());
  test::write_file(dir_ / "run/containers/auth.json", wrong_auth(server_->host()));
  auto variable =
      pull({{"XDG_RUNTIME_DIR", dir_ / "run"}, {"REGISTRY_AUTH_FILE", dir_ / "registry-auth.json"}}, {});
  EXPECT_EQ(variable.exit_code, 0) << "REGISTRY_AUTH_FILE instead of XDG_RUNTIME_DIR's: " << variable.err;

  test::write_file(dir_ / "registry-auth.json", wrong_auth(server_->host()));
  test::write_file(dir_ / "mine.json", right_auth());
  auto flag = pull({{"REGISTRY_AUTH_FILE", dir_ / "registry-auth.json"}}, {"--authfile", dir_ / "mine.json"});
  EXPECT_EQ(flag.exit_code, 0) << "--authfile over everything: " << flag.err;

  // Docker's config when the containers files have nothing for the registry.
  test::write_file(dir_ / "run/containers/auth.json", R"({"auths":{}})");
  test::write_file(dir_ / "docker/config.json", right_auth());
  auto docker = pull({{"XDG_RUNTIME_DIR", dir_ / "run"}, {"DOCKER_CONFIG", dir_ / "docker"}}, {});
  EXPECT_EQ(docker.exit_code, 0) << docker.err;

  auto missing = pull({}, {"--authfile", dir_ / "no-such.json"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("--authfile"), std::string::npos) << missing.err;
}

// An identity token (`docker login` to a registry with OAuth2 keeps one; a helper answers
// "<token>" as the user for it) is traded at the token service with the refresh-token
// grant, POSTed, as Docker does; one it refuses is a clear error, never printed.
class IdentityTokenTest : public RegistryCredentialsTest {
 protected:
  static void SetUpTestSuite() {
    pushed_ = false;
    start([] { return std::make_unique<RegistryServer>(RegistryServer::Auth::token); });
  }
  /// The token requests logged since `before` (a size of token_log()).
  std::string token_requests_since(std::size_t before) const { return server_->token_log().substr(before); }
};

TEST_F(IdentityTokenTest, AHelpersIdentityTokenIsTradedForAnAccessToken) {
  write_answering_helper("oauth", "<token>", RegistryServer::kIdentityToken);
  write_docker_config(R"({"credsStore":"oauth"})");
  const std::size_t before = server_->token_log().size();
  auto pulled = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  const std::string asked = token_requests_since(before);
  EXPECT_NE(asked.find(R"("user": "alice", "grant": "refresh_token")"), std::string::npos)
      << "the pull must use the identity token, not an anonymous token:\n"
      << asked;
  EXPECT_EQ(asked.find(R"("refused")"), std::string::npos) << asked;
  EXPECT_EQ((pulled.out + pulled.err).find(RegistryServer::kIdentityToken), std::string::npos);
}

TEST_F(IdentityTokenTest, AnIdentityTokenInConfigJsonIsUsed) {
  // As docker login writes it: `auth` holds "user:" without a password beside the token.
  write_docker_config(R"({"auths":{")" + server_->host() + R"(":{"auth":"YWxpY2U6","identitytoken":")" +
                      RegistryServer::kIdentityToken + R"("}}})");
  const std::size_t before = server_->token_log().size();
  auto pulled = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(token_requests_since(before).find(R"("grant": "refresh_token")"), std::string::npos)
      << token_requests_since(before);
}

TEST_F(IdentityTokenTest, ARefreshTokenTheServiceRenewsIsTheOneSentNext) {
  server_->push_image("creds/long", "v1", {.layers = 3, .layer_size = 1'500'000});
  // The registry behind nginx at 1 MiB/s, one layer at a time: the pull takes about 4 s,
  // and its tokens are good for one to two seconds (the registry allows 60 s past expiry),
  // so it needs at least one more grant after the first.
  test::NginxServer proxy(test::TestData::get().root(), test::NginxServer::Scheme::http, server_->host());
  const std::string host = "127.0.0.1:" + std::to_string(proxy.port());
  write_helper("rotating",
               "read server\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"<token>\",\"Secret\":\"" +
                   std::string(RegistryServer::kIdentityToken) + "\"}' \"$server\"\n");
  write_docker_config(R"({"credsStore":"rotating"})");
  const std::size_t before = server_->token_log().size();
  server_->rotate_refresh_tokens(true);
  server_->set_token_lifetime(-58);
  auto pulled = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {"-j", "1", "-x", "1"}, host + "/creds/long:v1");
  server_->set_token_lifetime(300);
  server_->rotate_refresh_tokens(false);
  const std::string asked = token_requests_since(before);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err << asked << proxy.proxy_log();
  // Each grant after the first sent the refresh token the one before it answered: the
  // one the helper gave was good only once.
  std::size_t grants = 0;
  for (std::size_t at = asked.find(R"("rotated": true)"); at != std::string::npos;
       at = asked.find(R"("rotated": true)", at + 1))
    ++grants;
  EXPECT_GE(grants, 2u) << "the pull did not need a second grant:\n" << asked;
  EXPECT_EQ(asked.find(R"("refused")"), std::string::npos) << asked;
}

TEST_F(IdentityTokenTest, ARefusedIdentityTokenSaysSoAndIsNotPrinted) {
  write_answering_helper("stale", "<token>", "idt-revoked-secret-42");
  write_docker_config(R"({"credsStore":"stale"})");
  auto refused = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("refuses the identity token (HTTP 401; it says: invalid_grant)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("docker-credential-stale"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("docker login " + server_->host()), std::string::npos) << refused.err;
  EXPECT_EQ((refused.out + refused.err).find("idt-revoked-secret-42"), std::string::npos) << refused.err;
}

// OAuth2's 400 is not always about the token: invalid_request says the request was wrong,
// and the message says so instead of blaming the token.
TEST_F(IdentityTokenTest, ATokenRequestTheServiceCannotReadIsNotCalledARefusedToken) {
  write_answering_helper("malformed", "<token>", "invalid-request-please");
  write_docker_config(R"({"credsStore":"malformed"})");
  auto rejected = pull({{"DOCKER_CONFIG", dir_ / "docker"}}, {});
  EXPECT_EQ(rejected.exit_code, 1) << rejected.err;
  EXPECT_NE(rejected.err.find("rejects fetchpool's token request (HTTP 400; it says: invalid_request: "
                              "client_id is not known here)"),
            std::string::npos)
      << rejected.err;
  EXPECT_EQ(rejected.err.find("refuses the identity token"), std::string::npos) << rejected.err;
  EXPECT_EQ((rejected.out + rejected.err).find("invalid-request-please"), std::string::npos) << rejected.err;
}

}  // namespace
}  // namespace fetchpool
