#include "registry/auth_challenge.h"

#include <gtest/gtest.h>

namespace fetchpool::registry {
namespace {

TEST(AuthChallenge, QuotedParametersMayHoldCommas) {
  AuthChallenge challenge = parse_auth_challenge(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  EXPECT_EQ(challenge.scheme, "bearer");
  EXPECT_EQ(challenge.parameters["realm"], "https://auth.example/token");
  EXPECT_EQ(challenge.parameters["service"], "registry.example");
  EXPECT_EQ(challenge.parameters["scope"], "repository:a/b:pull,push");
  EXPECT_EQ(parse_auth_challenge(R"(Basic realm="x")").scheme, "basic");
}

}  // namespace
}  // namespace fetchpool::registry
