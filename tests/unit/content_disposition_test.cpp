#include "http/content_disposition.h"

#include <gtest/gtest.h>

namespace fetchpool::http {
namespace {

TEST(ContentDisposition, PlainFilenameAsTokenOrQuotedString) {
  EXPECT_EQ(content_disposition_filename("attachment; filename=report.pdf"), "report.pdf");
  EXPECT_EQ(content_disposition_filename("attachment; filename=\"my report.pdf\""), "my report.pdf");
  EXPECT_EQ(content_disposition_filename("attachment;filename=\"a\\\"b\\\\c.txt\""), "a\"b\\c.txt");
  EXPECT_EQ(content_disposition_filename("inline; FileName = x.bin ; size=10"), "x.bin");
  EXPECT_EQ(content_disposition_filename("attachment; filename=\"semi;colon.txt\"; x=1"), "semi;colon.txt");
}

TEST(ContentDisposition, ExtendedFilenameWinsInUtf8OrLatin1) {
  EXPECT_EQ(content_disposition_filename("attachment; filename=\"fallback.pdf\"; "
                                         "filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%F0%9F%93%8A.pdf"),
            "\xE6\x8A\xA5\xE5\x91\x8A \xF0\x9F\x93\x8A.pdf");
  EXPECT_EQ(content_disposition_filename("attachment; filename*=utf-8'en'na%C3%AFve.txt; filename=naive.txt"),
            "na\xC3\xAFve.txt");
  EXPECT_EQ(content_disposition_filename("attachment; filename*=iso-8859-1''caf%E9.txt"), "caf\xC3\xA9.txt");
}

TEST(ContentDisposition, MalformedExtendedValueFallsBackToThePlainName) {
  EXPECT_EQ(content_disposition_filename("attachment; filename*=UTF-8''bad%zz; filename=ok.txt"), "ok.txt");
  EXPECT_EQ(content_disposition_filename("attachment; filename*=koi8-r''%C1.txt; filename=ok.txt"), "ok.txt");
  EXPECT_EQ(content_disposition_filename("attachment; filename*=UTF-8''cut%4"), "");
}

TEST(ContentDisposition, NoNameGiven) {
  EXPECT_EQ(content_disposition_filename("attachment"), "");
  EXPECT_EQ(content_disposition_filename("inline; size=3"), "");
  EXPECT_EQ(content_disposition_filename(""), "");
  EXPECT_EQ(content_disposition_filename("attachment; filename"), "");
}

}  // namespace
}  // namespace fetchpool::http
