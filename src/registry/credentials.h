#pragma once

#include <string>
#include <vector>

namespace fetchpool::registry {

/// What a search for a registry's credentials found, and where it looked (for the message
/// of a 401: "tried ..."). Never holds a secret in `tried` or `problem`.
struct CredentialSearch {
  std::string credentials;  ///< "user:password"; empty when none was found.
  /// An identity token (a helper's answer with "<token>" as the user, or an auths entry's
  /// `identitytoken`): an OAuth2 refresh token the registry's token service trades for
  /// access tokens. Set instead of `credentials`.
  std::string identity_token;
  std::string source;  ///< Where they came from ("credential helper docker-credential-pass").
  std::vector<std::string>
      tried;  ///< Each place looked, with what it had: "/x/auth.json (no entry for HOST)".
  /// A source that should have answered and could not (a helper that failed or timed out,
  /// a file that is not JSON): said in the 401 message, and the search goes on.
  std::vector<std::string> problems;
};

/// Looks for `registry`'s credentials ("docker.io", "host:5000") as docker, podman and
/// skopeo do, in this order, the first that has them winning:
///   1. `auth_file` when given (skopeo's and podman's --authfile): only that file;
///   2. otherwise $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json, then
///      ~/.config/containers/auth.json (the containers convention: podman, skopeo, buildah);
///   3. then Docker's $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
/// In each file: its `credHelpers` entry for the registry, else its `credsStore`, run as
/// Docker runs them (`docker-credential-NAME get`, the server on stdin, at most 10 s; see
/// run_credential_helper), else its `auths` entry (`identitytoken`, else `auth`, the base64
/// of user:password, else `username` and `password`).
CredentialSearch find_credentials(const std::string& registry, const std::string& auth_file = {});

/// Runs the credential helper `docker-credential-NAME get` for `server`: true with
/// "user:password" in `*credentials`, or with an identity token in `*identity_token` when
/// the helper's user is "<token>" (the protocol's way to say so). False when it has none
/// for `server` (`*problem` empty) or failed (`*problem` says how, with its stderr, never
/// its stdout, which may hold a secret).
bool run_credential_helper(const std::string& name, const std::string& server, std::string* credentials,
                           std::string* identity_token, std::string* problem);

/// The 401 advice: what was tried and what to do ("log in with docker login HOST (or
/// podman login), or give --username and --password-stdin").
std::string missing_credentials_advice(const std::string& registry, const CredentialSearch& search);

}  // namespace fetchpool::registry
