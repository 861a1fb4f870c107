#include "http/header_redaction.h"

#include <gtest/gtest.h>

namespace fetchpool::http {
namespace {

TEST(HeaderRedactionTest, CredentialHeadersLoseTheirValues) {
  for (const char* line :
       {"Authorization: Basic YWxpY2U6cw==", "proxy-authorization: Basic eDp5", "Cookie: a=b",
        "Set-Cookie: id=1; HttpOnly", "Private-Token: t", "X-Api-Key: k", "X-JFrog-Art-Api: k",
        "X-Amz-Security-Token: t", "X-Auth-Token: t", "X-Client-Secret: s", "X-Password: p"}) {
    std::string shown = redact_header_line(line);
    std::string name(line, std::string_view(line).find(':'));
    EXPECT_EQ(shown, name + ": [redacted]") << line;
  }
}

TEST(HeaderRedactionTest, OtherLinesAreShownAsTheyAre) {
  for (const char* line :
       {"Accept: */*", "Content-Length: 10", "WWW-Authenticate: Bearer realm=\"https://r/token\"",
        "Keep-Alive: timeout=5", "Docker-Distribution-Api-Version: registry/2.0", "GET /a:b?token=x HTTP/1.1",
        "HTTP/1.1 200 OK", "Host: h:80"})
    EXPECT_EQ(redact_header_line(line), line);
}

}  // namespace
}  // namespace fetchpool::http
