#include "http/response_headers.h"

#include <gtest/gtest.h>

#include "text/base64.h"

namespace fetchpool::http {
namespace {

ResponseHeaders parse(std::initializer_list<std::string_view> lines, std::time_t now = 1000) {
  ResponseHeaders headers;
  for (std::string_view line : lines) parse_header_line(line, now, &headers);
  return headers;
}

TEST(ResponseHeaders, ValidatorsRangesAndRetryAfter) {
  auto h = parse({"HTTP/1.1 206 Partial Content\r\n", "ETag: \"abc\"\r\n",
                  "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n", "Content-Range: bytes 100-199/1000\r\n",
                  "Accept-Ranges: bytes\r\n", "Retry-After: 7\r\n"});
  EXPECT_EQ(h.status_line, "HTTP/1.1 206 Partial Content");
  EXPECT_EQ(h.etag, "\"abc\"");
  EXPECT_EQ(h.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
  ASSERT_TRUE(h.range_start);
  EXPECT_EQ(*h.range_start, 100);
  EXPECT_EQ(h.range_total, 1000);
  EXPECT_TRUE(h.accept_ranges);
  EXPECT_EQ(*h.retry_after_s, 7.0);
}

TEST(ResponseHeaders, RetryAfterAsHttpDate) {
  // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
  auto h = parse({"HTTP/1.1 503 x", "Retry-After: Wed, 21 Oct 2015 07:28:30 GMT"}, 1445412480);
  ASSERT_TRUE(h.retry_after_s);
  EXPECT_EQ(*h.retry_after_s, 30.0);
}

TEST(ResponseHeaders, NewStatusLineForgetsThePreviousResponse) {
  auto h = parse({"HTTP/1.1 302 Found", "ETag: \"old\"", "Retry-After: 5", "HTTP/1.1 200 OK"});
  EXPECT_TRUE(h.etag.empty());
  EXPECT_FALSE(h.retry_after_s);
}

TEST(ResponseHeaders, AdvertisedDigestsInEveryForm) {
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(parse({"HTTP/1.1 200 OK", "Repr-Digest: sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:"})
                .advertised_digest,
            "sha256:" + abc);
  EXPECT_EQ(parse({"HTTP/1.1 200 OK", "Digest: SHA-256=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="})
                .advertised_digest,
            "sha256:" + abc);
  EXPECT_EQ(parse({"HTTP/1.1 200 OK", "X-Checksum-Sha256: " + abc}).advertised_digest, "sha256:" + abc);
  EXPECT_EQ(parse({"HTTP/1.1 200 OK", "Docker-Content-Digest: sha256:" + abc}).advertised_digest,
            "sha256:" + abc);
  EXPECT_EQ(parse({"HTTP/1.1 200 OK", "X-Checksum-Sha1: a9993e364706816aba3e25717850c26c9cd0d89d"})
                .advertised_digest,
            "sha1:a9993e364706816aba3e25717850c26c9cd0d89d");
  // sha256 preferred over sha1 whatever the order.
  EXPECT_EQ(parse({"HTTP/1.1 200 OK", "X-Checksum-Sha1: a9993e364706816aba3e25717850c26c9cd0d89d",
                   "X-Checksum-Sha256: " + abc})
                .advertised_digest,
            "sha256:" + abc);
}

TEST(ResponseHeaders, ContentDigestOfAPartialResponseIsIgnored) {
  auto h = parse({"HTTP/1.1 206 Partial Content",
                  "Content-Digest: sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:"});
  EXPECT_TRUE(h.advertised_digest.empty());
}

TEST(ResponseHeaders, MalformedDigestsAreIgnored) {
  EXPECT_TRUE(parse({"HTTP/1.1 200 OK", "X-Checksum-Sha256: nothex"}).advertised_digest.empty());
  EXPECT_TRUE(parse({"HTTP/1.1 200 OK", "Repr-Digest: crc32=:AAAA:"}).advertised_digest.empty());
}

TEST(Base64, RoundTripAndRejectsForeignCharacters) {
  EXPECT_EQ(text::base64_encode("alice:s3cret"), "YWxpY2U6czNjcmV0");
  EXPECT_EQ(text::base64_encode("ab"), "YWI=");
  EXPECT_EQ(text::base64_decode("YWI="), "ab");
  EXPECT_EQ(text::base64_decode(text::base64_encode("user:pä55")), "user:pä55");
  EXPECT_FALSE(text::base64_decode("YW I="));
}

}  // namespace
}  // namespace fetchpool::http
