#pragma once

#include <map>
#include <string>
#include <string_view>

namespace fetchpool::registry {

/// A WWW-Authenticate challenge: `Bearer realm="https://auth.example/token",service="r"`.
struct AuthChallenge {
  std::string scheme;                             ///< Lower case: "bearer", "basic".
  std::map<std::string, std::string> parameters;  ///< Names lower case; quoted values unquoted.
};
AuthChallenge parse_auth_challenge(std::string_view challenge);

}  // namespace fetchpool::registry
