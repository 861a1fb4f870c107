#pragma once

#include <memory>
#include <string>

#include "support/process.h"

namespace fetchpool::test {

/// What push_image builds (tests/support/make_image.py).
struct TestImage {
  int layers = 3;
  int layer_size = 100'000;               ///< Bytes of content per layer, before compression.
  std::string platforms = "linux/amd64";  ///< e.g. "linux/amd64,linux/arm64/v8": an index
  bool docker_schema2 = false;            ///< Pushed as Docker v2 schema 2 manifests and lists.
  std::string compression = "gzip";       ///< or "zstd"
  bool wrong_diff_id = false;             ///< The config lists a wrong diff_id for the first layer.
};

/// A real Registry v2 (Debian's docker-registry binary) on 127.0.0.1 over plain HTTP, with
/// its storage in a private directory. Stopped by PID in the destructor.
///
/// With Auth::token the registry wants tokens from tests/support/token_server.py (the
/// registry's own `token` auth, JWTs signed by a key made for it): anonymous tokens may
/// pull, kUser/kPassword may also push. With Auth::basic it wants kUser/kPassword as Basic
/// auth for everything (an htpasswd file).
class RegistryServer {
 public:
  static constexpr const char* kUser = "alice";
  static constexpr const char* kPassword = "s3cret-registry-pass";
  /// With Auth::token, the identity token (OAuth2 refresh token) the token service trades
  /// for kUser's access, as Docker's `docker login` keeps one.
  static constexpr const char* kIdentityToken = "idt-7f3c9a-refresh-secret";
  enum class Auth { none, token, basic };

  explicit RegistryServer(Auth auth = Auth::none);
  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  int port() const { return port_; }
  /// "127.0.0.1:PORT", the registry part of an image reference.
  std::string host() const;
  /// "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  /// The registry's filesystem storage (rootdirectory).
  std::string storage_dir() const { return dir_ / "storage"; }

  /// Token requests so far, one JSON object per line: {"scope": [...], "user": "..."},
  /// with "grant": "refresh_token" for an identity token's POST ("refused": true if wrong).
  std::string token_log() const;
  /// Tokens issued from now on expire `seconds` after they are issued (300 until set).
  void set_token_lifetime(int seconds);
  /// While on, each identity-token grant answers a new refresh token, and only the newest
  /// is good from then on, as an OAuth2 service that rotates them does (off until set).
  void rotate_refresh_tokens(bool on);
  /// base64 of kUser:kPassword, as Docker's config.json holds it.
  std::string base64_credentials() const;

  /// Builds an image and pushes it as REPOSITORY:TAG with skopeo. Returns the digest of its
  /// manifest (or index) as built.
  std::string push_image(const std::string& repository, const std::string& tag,
                         const TestImage& image = TestImage{});
  /// Stores `manifest` (JSON of `media_type`) as REPOSITORY:TAG with an HTTP PUT, as a
  /// client would: for manifests no image builder would write (the registry only checks
  /// that the blobs they name exist). No auth.
  void put_manifest(const std::string& repository, const std::string& tag, const std::string& media_type,
                    const std::string& manifest);

 private:
  void start_token_server();

  Auth auth_;
  TempDir dir_;
  int port_ = 0;
  int token_port_ = 0;
  std::unique_ptr<ChildProcess> token_server_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace fetchpool::test
