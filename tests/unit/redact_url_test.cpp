#include <gtest/gtest.h>

#include <string>

#include "fetchpool/engine.h"

namespace fetchpool {
namespace {

struct Case {
  const char* url;
  const char* redacted;
};

// Well-formed URLs keep the form they were always reported in.
TEST(RedactUrl, WellFormedUrlsLoseOnlyTheirUserinfo) {
  const Case cases[] = {
      {"http://bob:hunter2@host/x", "http://host/x"},
      {"http://bob@host/x", "http://host/x"},
      {"http://:hunter2@host/", "http://host/"},
      {"HTTP://bob:hunter2@host:8080/a@b", "http://host:8080/a@b"},
      {"http://bob:p%40ss@host/x?q=1#f", "http://host/x?q=1#f"},
      {"https://host/x?email=a@b.c", "https://host/x?email=a@b.c"},
      {"https://repo:8443/api/npm/@babel/core/-/core-7.0.0.tgz",
       "https://repo:8443/api/npm/@babel/core/-/core-7.0.0.tgz"},
      {"http://host/x", "http://host/x"},
      {"http://host?mail=a@b.c", "http://host/?mail=a@b.c"},
      // Valid as written (host "bob", port 1234): libcurl would fetch exactly that, so it is
      // reported as that; a password like this one must be percent-encoded (docs/USAGE.md).
      {"http://bob:1234/ss@host/x", "http://bob:1234/ss@host/x"},
  };
  for (const Case& c : cases) EXPECT_EQ(redact_url(c.url), c.redacted) << c.url;
}

// Every form a password with an unescaped delimiter takes, and some that are not URLs at all:
// none may keep a byte of "hunter2".
TEST(RedactUrl, MalformedUserinfoNeverSurvives) {
  const Case cases[] = {
      {"http://bob:hun@ter2@host/x", "http://host/x"},
      {"http://bob:hun/ter2@host/x", "http://host/x"},
      {"http://bob:hun?ter2@host/x", "http://host/x"},
      {"http://bob:hun#ter2@host/x", "http://host/x"},
      {"http://bob:hunter2@", "http://"},
      {"http://bob:hunter2@@@", "http://"},
      {"http://bob:hun ter2@host/x", "http://host/x"},
      {"ftp://bob:hunter2@host/x", "ftp://host/x"},
      {"ftp://bob:hun/ter2@host/x", "ftp://host/x"},
      {"bob:hunter2@host/x", "host/x"},
      {"http://bob:hun/ter2@host/x?next=@y", "http://y"},
      {"http://[::1:hunter2@host/x", "http://host/x"},
      {"http://bob:hunter2\n@host/x", "http://host/x"},
      // A password that starts with digits and holds '#' or '?': the text before it parses
      // as a port, so the authority looks well formed.
      {"http://bob:1234#hunter2@host/x", "http://host/x"},
      {"http://bob:1234?hunter2@host/", "http://host/"},
      {"http://bob:1234#hun@ter2@host", "http://host/"},
  };
  for (const Case& c : cases) {
    std::string redacted = redact_url(c.url);
    EXPECT_EQ(redacted, c.redacted) << c.url;
    EXPECT_EQ(redacted.find("ter2"), std::string::npos) << c.url;
  }
}

TEST(RedactUrl, TextWithoutUserinfoIsLeftAlone) {
  for (const char* text : {"", "://", "not a url", "http://", "host/x"}) {
    EXPECT_EQ(redact_url(text), text) << text;
  }
}

}  // namespace
}  // namespace fetchpool
