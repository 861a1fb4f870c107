#include "engine/body_rule.h"

#include <gtest/gtest.h>

#include <string>

namespace fetchpool::engine {
namespace {

http::ResponseHeaders headers(const std::string& status_line, const std::string& content_range = "",
                              const std::string& location = "") {
  http::ResponseHeaders h;
  http::parse_header_line(status_line, 0, &h);
  if (!content_range.empty()) http::parse_header_line("Content-Range: " + content_range, 0, &h);
  if (!location.empty()) http::parse_header_line("Location: " + location, 0, &h);
  return h;
}

const AskedRange kWhole{};
const AskedRange kFrom100{100, -1};
const AskedRange k100To200{100, 200};

TEST(BodyRule, AWhole200IsTheBodyWhateverWasAsked) {
  for (const AskedRange& asked : {kWhole, kFrom100, k100To200}) {
    BodyPlan plan = plan_body(asked, 200, 5000, headers("HTTP/1.1 200 OK"));
    EXPECT_TRUE(plan.is_body);
    EXPECT_EQ(plan.offset, 0);
    EXPECT_EQ(plan.end, 5000);
    EXPECT_EQ(plan.total, 5000);
  }
  BodyPlan unknown = plan_body(kWhole, 200, -1, headers("HTTP/1.1 200 OK"));
  EXPECT_TRUE(unknown.is_body);
  EXPECT_EQ(unknown.end, -1);
}

TEST(BodyRule, A206IsTheBodyOnlyForExactlyTheRangeAsked) {
  BodyPlan open =
      plan_body(kFrom100, 206, 4900, headers("HTTP/1.1 206 Partial Content", "bytes 100-4999/5000"));
  ASSERT_TRUE(open.is_body) << open.problem;
  EXPECT_EQ(open.offset, 100);
  EXPECT_EQ(open.end, 5000);
  EXPECT_EQ(open.total, 5000);
  BodyPlan closed =
      plan_body(k100To200, 206, 100, headers("HTTP/1.1 206 Partial Content", "bytes 100-199/5000"));
  EXPECT_TRUE(closed.is_body) << closed.problem;
  // Without Content-Length (chunked), the range alone says how long it is.
  EXPECT_TRUE(plan_body(kFrom100, 206, -1, headers("HTTP/1.1 206", "bytes 100-4999/5000")).is_body);
}

TEST(BodyRule, A206ForAnythingElseIsAViolationThatQuotesTheServer) {
  struct Case {
    AskedRange asked;
    std::int64_t length;
    const char* content_range;
    const char* problem;
  };
  const Case cases[] = {
      // Ends before the total the server itself states.
      {kFrom100, 1000, "bytes 100-1099/5000",
       "HTTP 206 Partial Content (Content-Range: bytes 100-1099/5000) to a request for bytes 100-"},
      {kWhole, 1000, "bytes 0-999/5000", "(Content-Range: bytes 0-999/5000) to a request for the whole file"},
      {kFrom100, 4800, "bytes 200-4999/5000", "to a request for bytes 100-"},
      {k100To200, 50, "bytes 100-149/5000", "to a request for bytes 100-199"},
      {k100To200, 200, "bytes 100-299/5000", "to a request for bytes 100-199"},
      {kFrom100, 4900, "bytes 100-4999/*", "to a request for bytes 100-"},  // no total to end at
      {kFrom100, 4900, "bytes 100-5999/5000", "to a request for bytes 100-"},
      {kFrom100, 10, "bytes 100-4999/5000", "with Content-Length: 10, not the 4900 bytes of that range"},
      {kFrom100, 4900, "", "without a usable Content-Range to a request for bytes 100-"},  // multipart
      {kFrom100, 4900, "bytes abc-4999/5000", "without a usable Content-Range ('bytes abc-4999/5000')"},
      {kFrom100, 4900, "bytes 4999-100/5000", "without a usable Content-Range"},
  };
  for (const Case& c : cases) {
    BodyPlan plan =
        plan_body(c.asked, 206, c.length, headers("HTTP/1.1 206 Partial Content", c.content_range));
    EXPECT_FALSE(plan.is_body) << c.content_range;
    EXPECT_NE(plan.problem.find(c.problem), std::string::npos) << plan.problem;
  }
}

TEST(BodyRule, RedirectsNotFollowedAndOtherStatusesAreNeverBody) {
  EXPECT_EQ(plan_body(kWhole, 302, 60, headers("HTTP/1.1 302 Found")).problem,
            "HTTP 302 Found without a Location header: nothing to save");
  EXPECT_NE(plan_body(kWhole, 301, 0, headers("HTTP/1.1 301 Moved", "", "ftp://x/y"))
                .problem.find("Location: ftp://x/y"),
            std::string::npos);
  EXPECT_EQ(plan_body(kWhole, 304, 0, headers("HTTP/1.1 304 Not Modified")).problem,
            "HTTP 304 Not Modified to a request that was not conditional: no body to keep");
  for (long status : {201L, 202L, 203L, 204L, 205L, 300L, 303L, 307L, 308L}) {
    EXPECT_FALSE(plan_body(kWhole, status, 0, headers("HTTP/2 " + std::to_string(status))).is_body) << status;
  }
}

// What the server wrote is quoted, but never more than a line's worth, never a control
// byte, and never a password in a Location.
TEST(BodyRule, QuotedServerValuesAreCutCleanedAndRedacted) {
  const std::string long_range = "bytes 0-9/10" + std::string(5000, 'x');
  BodyPlan cut = plan_body(kWhole, 206, -1, headers("HTTP/1.1 206 Partial\x1b[2JContent", long_range));
  EXPECT_LT(cut.problem.size(), 400u) << cut.problem;
  EXPECT_NE(cut.problem.find("..."), std::string::npos) << cut.problem;
  EXPECT_EQ(cut.problem.find('\x1b'), std::string::npos) << cut.problem;
  EXPECT_NE(cut.problem.find("HTTP 206 Partial?[2JContent"), std::string::npos) << cut.problem;

  const std::string emoji_range = "bytes 0-9/10 " + std::string(105, 'a') + "\U0001F600\U0001F600";
  BodyPlan utf8 = plan_body(kWhole, 206, -1, headers("HTTP/1.1 206 Partial Content", emoji_range));
  std::size_t dots = utf8.problem.find("...");
  ASSERT_NE(dots, std::string::npos) << utf8.problem;
  EXPECT_NE(static_cast<unsigned char>(utf8.problem[dots - 1]) & 0xC0, 0x80u) << "cut inside a character";

  BodyPlan moved =
      plan_body(kWhole, 302, -1, headers("HTTP/1.1 302 Found", "", "ftp://bob:hunter2@elsewhere/x"));
  EXPECT_EQ(moved.problem.find("hunter2"), std::string::npos) << moved.problem;
  EXPECT_NE(moved.problem.find("elsewhere/x"), std::string::npos) << moved.problem;
}

TEST(BodyRule, TheBodyMustEndWhereTheResponseSaid) {
  BodyPlan plan = plan_body(kFrom100, 206, 4900, headers("HTTP/1.1 206", "bytes 100-4999/5000"));
  EXPECT_EQ(check_body_length(plan, 5000), "");
  EXPECT_EQ(check_body_length(plan, 4000), "the server stated 4900 bytes from byte 100 but sent 3900");
  BodyPlan unknown = plan_body(kWhole, 200, -1, headers("HTTP/1.1 200 OK"));
  EXPECT_EQ(check_body_length(unknown, 12345), "");
}

}  // namespace
}  // namespace fetchpool::engine
