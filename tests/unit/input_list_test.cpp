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
  const std::string known =
      " (known: out, dir, header, checksum, split, max-connection-per-server, referer, user-agent, "
      "limit-rate)";
  EXPECT_EQ(entries[1].error, "line 4: unknown option 'X-Api-Key...' for http://h/b" + known);
  EXPECT_EQ(entries[2].error, "line 6: unknown option 'bogus' for http://h/c" + known);
}

// aria2's mirrors: the same file's URLs on one line, tab-separated; written back the same.
TEST(InputList, TabSeparatedUrlsAreOneFilesMirrors) {
  auto entries = read_all("http://h/a\thttp://m/a\t\thttp://n/a\nhttp://h/b c\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].url, "http://h/a");
  EXPECT_EQ(entries[0].mirrors, (std::vector<std::string>{"http://m/a", "http://n/a"}));
  EXPECT_EQ(entries[0].error, "");
  EXPECT_NE(entries[1].error.find("line 2: a URL with a space in it"), std::string::npos) << entries[1].error;
  std::ostringstream written;
  write_input_entry(written, entries[0]);
  EXPECT_EQ(written.str(), "http://h/a\thttp://m/a\thttp://n/a\n");
}

// aria2's per-item options: connections (the smaller of split= and
// max-connection-per-server=), referer=, user-agent=, a rate cap; bad values fail the entry.
TEST(InputList, Aria2sPerItemOptionsAreRead) {
  auto entries = read_all(
      "http://h/a\n"
      "  split=8\n"
      "  max-connection-per-server=3\n"
      "  referer=https://r/\n"
      "  user-agent=UA 1.0\n"
      "  limit-rate=2M\n"
      "http://h/b\n"
      "  max-download-limit=500k\n"
      "http://h/c\n"
      "  split=0\n"
      "http://h/d\n"
      "  limit-rate=2X\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].error, "");
  EXPECT_EQ(entries[0].connections, 3);
  EXPECT_EQ(entries[0].referer, "https://r/");
  EXPECT_EQ(entries[0].user_agent, "UA 1.0");
  EXPECT_EQ(entries[0].max_bytes_per_s, 2 << 20);
  EXPECT_EQ(entries[1].max_bytes_per_s, 500 << 10);
  EXPECT_EQ(entries[2].error, "line 10: split=0 is not a number of connections from 1 to 64");
  EXPECT_EQ(entries[3].error, "line 12: limit-rate=2X is not a rate: give bytes per second, as 500K or 2M");
  std::ostringstream written;
  write_input_entry(written, entries[0]);
  std::istringstream again(written.str());
  InputListReader reader(again);
  InputEntry back;
  ASSERT_TRUE(reader.next(&back));
  EXPECT_EQ(back.connections, 3);
  EXPECT_EQ(back.referer, "https://r/");
  EXPECT_EQ(back.user_agent, "UA 1.0");
  EXPECT_EQ(back.max_bytes_per_s, 2 << 20);
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
