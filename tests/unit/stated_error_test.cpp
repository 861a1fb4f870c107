#include "registry/stated_error.h"

#include <gtest/gtest.h>

namespace fetchpool::registry {
namespace {

TEST(StatedError, RegistryErrorsAreCodeAndMessage) {
  StatedError said = stated_error(
      R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v9"}}]})");
  EXPECT_EQ(said.code, "MANIFEST_UNKNOWN");
  EXPECT_EQ(said.text, "MANIFEST_UNKNOWN: manifest unknown");
  said =
      stated_error(R"({"errors":[{"code":"DENIED","message":"a"},{"code":"UNAUTHORIZED","message":"b"}]})");
  EXPECT_EQ(said.code, "DENIED");
  EXPECT_EQ(said.text, "DENIED: a; UNAUTHORIZED: b");
}

TEST(StatedError, OAuth2ErrorsAreCodeAndDescription) {
  StatedError said = stated_error(R"({"error":"invalid_grant","error_description":"refresh token expired"})");
  EXPECT_EQ(said.code, "invalid_grant");
  EXPECT_EQ(said.text, "invalid_grant: refresh token expired");
  EXPECT_EQ(stated_error(R"({"error":"invalid_request"})").text, "invalid_request");
}

TEST(StatedError, AnythingElseStatesNothing) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "[]", R"({"errors":"no"})", R"({"error":7})",
                           R"({"errors":[{"detail":{}}]})"}) {
    StatedError said = stated_error(body);
    EXPECT_EQ(said.code, "") << body;
    EXPECT_EQ(said.text, "") << body;
  }
}

TEST(StatedError, WhatIsPrintedIsOneShortLine) {
  const std::string long_message(1000, 'x');
  StatedError said = stated_error(
      R"({"error":"slow_down","error_description":"line\u001b[31m one\nline two )" + long_message + R"("})");
  EXPECT_EQ(said.text.find('\n'), std::string::npos);
  EXPECT_EQ(said.text.find('\x1b'), std::string::npos);
  EXPECT_LE(said.text.size(), 310u);
  // Never cut inside a character.
  said = stated_error(R"({"error":"x","error_description":")" + std::string(296, 'a') + "\xc3\xa9\xc3\xa9" +
                      R"("})");
  EXPECT_EQ(said.text.substr(said.text.size() - 3), "...");
  const std::string kept = said.text.substr(0, said.text.size() - 3);
  EXPECT_NE(static_cast<unsigned char>(kept.back()) & 0xC0, 0xC0)
      << "a character's first byte was left alone";
}

}  // namespace
}  // namespace fetchpool::registry
