#include "cli/input_list.h"

#include <gtest/gtest.h>

#include <sstream>

namespace fetchpool::cli {
namespace {

std::vector<InputEntry> read_all(const std::string& text) {
  std::istringstream in(text);
  InputListReader reader(in);
  std::vector<InputEntry> entries;
  InputEntry entry;
  while (reader.next(&entry)) entries.push_back(entry);
  return entries;
}

TEST(InputList, ABadOptionLineNeverEchoesWhatMayBeASecret) {
  auto entries = read_all(
      "http://h/a\n"
      "  Authorization: Bearer s3cr3t-token\n"
      "http://h/b\n"
      "  X-Api-Key: key=s3cr3t-token\n"
      "http://h/c\n"
      "  bogus=1\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].error,
            "line 2: option 'Authorization...' is not NAME=VALUE (a header is written header=Name: value)");
  EXPECT_EQ(entries[1].error, "line 4: unknown option 'X-Api-Key...' (known: out, dir, header, checksum)");
  EXPECT_EQ(entries[2].error, "line 6: unknown option 'bogus' (known: out, dir, header, checksum)");
}

TEST(InputList, ReadsUrlsWithIndentedOptions) {
  auto entries = read_all(
      "# comment\n"
      "http://h/a\n"
      "  out=x.bin\n"
      "\tdir=sub\n"
      "  header=Authorization: Bearer t=1\n"
      "  header=X-B: 2\n"
      "  checksum=sha256:abc\n"
      "\n"
      "http://h/b\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].url, "http://h/a");
  EXPECT_EQ(entries[0].out, "x.bin");
  EXPECT_EQ(entries[0].dir, "sub");
  EXPECT_EQ(entries[0].headers, (std::vector<std::string>{"Authorization: Bearer t=1", "X-B: 2"}));
  EXPECT_EQ(entries[0].checksum, "sha256:abc");
  EXPECT_EQ(entries[0].line, 2);
  EXPECT_TRUE(entries[0].error.empty());
  EXPECT_EQ(entries[1].url, "http://h/b");
  EXPECT_EQ(entries[1].line, 9);
  EXPECT_TRUE(entries[1].out.empty());
}

TEST(InputList, AcceptsCrlfBomAndAria2ChecksumForm) {
  auto entries = read_all("\xEF\xBB\xBFhttp://h/a\r\n  checksum=sha-256=ABC\r\n");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].url, "http://h/a");
  EXPECT_EQ(entries[0].checksum, "sha-256:ABC");
}

TEST(InputList, UnknownOptionMarksOnlyThatEntry) {
  auto entries = read_all("http://h/a\n  otu=x\nhttp://h/b\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_NE(entries[0].error.find("unknown option 'otu'"), std::string::npos) << entries[0].error;
  EXPECT_NE(entries[0].error.find("line 2"), std::string::npos) << entries[0].error;
  EXPECT_TRUE(entries[1].error.empty());
}

TEST(InputList, OptionsWithoutUrlAreAnError) {
  auto entries = read_all("  out=x\n  dir=y\nhttp://h/a\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_NE(entries[0].error.find("without a URL"), std::string::npos);
  EXPECT_EQ(entries[1].url, "http://h/a");
}

TEST(InputList, WrittenEntriesReadBackTheSame) {
  InputEntry entry;
  entry.url = "http://h/%E4%B8%AD.bin";
  entry.out = "中文 name.bin";
  entry.dir = "d";
  entry.headers = {"A: 1"};
  entry.checksum = "sha256:00";
  std::ostringstream out;
  write_input_entry(out, entry);
  auto entries = read_all(out.str());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].url, entry.url);
  EXPECT_EQ(entries[0].out, entry.out);
  EXPECT_EQ(entries[0].dir, entry.dir);
  EXPECT_EQ(entries[0].headers, entry.headers);
  EXPECT_EQ(entries[0].checksum, entry.checksum);
}

TEST(InputList, StreamsWithoutReadingAhead) {
  // The reader must hand out the first entry after reading at most one line past it.
  std::stringstream in;
  in << "http://h/1\nhttp://h/2\n";
  InputListReader reader(in);
  InputEntry entry;
  ASSERT_TRUE(reader.next(&entry));
  EXPECT_EQ(entry.url, "http://h/1");
  in.clear();
  in << "http://h/3\n";  // appended after the first read: still seen
  std::vector<std::string> rest;
  while (reader.next(&entry)) rest.push_back(entry.url);
  EXPECT_EQ(rest, (std::vector<std::string>{"http://h/2", "http://h/3"}));
}

}  // namespace
}  // namespace fetchpool::cli
