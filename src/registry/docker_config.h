#pragma once

#include <string>

namespace fetchpool::registry {

/// "user:password" for `registry` ("docker.io", "host:5000") from Docker's client config:
/// $DOCKER_CONFIG/config.json, else ~/.docker/config.json, its `auths` entries (`auth`, the
/// base64 of user:password, or `username` and `password`). Empty when there is none.
/// Credential helpers (`credsStore`) are not run.
std::string docker_config_credentials(const std::string& registry);

}  // namespace fetchpool::registry
