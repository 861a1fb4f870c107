#include "engine/output_name.h"

#include <gtest/gtest.h>

#include <string>

namespace fetchpool::engine {
namespace {

TEST(OutputName, LastSegmentPercentDecoded) {
  EXPECT_EQ(file_name_from_url_path("/a/b/file.tar.gz"), "file.tar.gz");
  EXPECT_EQ(file_name_from_url_path("/a/my%20file%E4%B8%AD.bin"), "my file\xE4\xB8\xAD.bin");
  EXPECT_EQ(file_name_from_url_path("/a/%F0%9F%98%80.txt"), "\xF0\x9F\x98\x80.txt");
}

TEST(OutputName, IndexHtmlWhenNoName) {
  EXPECT_EQ(file_name_from_url_path("/"), "index.html");
  EXPECT_EQ(file_name_from_url_path(""), "index.html");
  EXPECT_EQ(file_name_from_url_path("/dir/"), "index.html");
  EXPECT_EQ(file_name_from_url_path("/dir/%2e%2e"), "index.html");
  EXPECT_EQ(file_name_from_url_path("/dir/."), "index.html");
}

TEST(OutputName, EncodedSeparatorsAndControlsCannotEscape) {
  EXPECT_EQ(file_name_from_url_path("/x/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), ".._.._etc_passwd");
  EXPECT_EQ(file_name_from_url_path("/x/a%5cb"), "a_b");
  EXPECT_EQ(file_name_from_url_path("/x/a%00b%0a"), "a_b_");
}

TEST(OutputName, AServersNameKeepsOnlyItsLastComponent) {
  EXPECT_EQ(file_name_from_server("report 2026.pdf"), "report 2026.pdf");
  EXPECT_EQ(file_name_from_server("\xE6\x8A\xA5\xE5\x91\x8A \xF0\x9F\x93\x8A.pdf"),
            "\xE6\x8A\xA5\xE5\x91\x8A \xF0\x9F\x93\x8A.pdf");
  EXPECT_EQ(file_name_from_server("../../etc/passwd"), "passwd");
  EXPECT_EQ(file_name_from_server("/etc/cron.d/evil"), "evil");
  EXPECT_EQ(file_name_from_server("C:\\Windows\\evil.dll"), "evil.dll");
  EXPECT_EQ(file_name_from_server("  padded.txt\t"), "padded.txt");
  EXPECT_EQ(file_name_from_server("a\nb\x1b[31m.txt"), "a_b_[31m.txt");
}

TEST(OutputName, AnUnusableServerNameIsRefused) {
  EXPECT_EQ(file_name_from_server(""), "");
  EXPECT_EQ(file_name_from_server("  "), "");
  EXPECT_EQ(file_name_from_server("dir/"), "");
  EXPECT_EQ(file_name_from_server(".."), "");
  EXPECT_EQ(file_name_from_server("x/."), "");
  EXPECT_EQ(file_name_from_server("caf\xE9.txt"), "");       // ISO-8859-1 bytes, not UTF-8
  EXPECT_EQ(file_name_from_server("\xC0\xAF.txt"), "");      // an overlong '/'
  EXPECT_EQ(file_name_from_server("\xED\xA0\x80.txt"), "");  // a surrogate
  EXPECT_EQ(file_name_from_server(std::string(256, 'a')), "");
  EXPECT_EQ(file_name_from_server(std::string(255, 'a')), std::string(255, 'a'));
}

TEST(OutputName, MalformedEscapesKept) {
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("%41%62"), "Ab");
}

TEST(OutputName, RelativeNamesChecked) {
  std::string error;
  EXPECT_TRUE(check_relative_name("a.bin", &error));
  EXPECT_TRUE(check_relative_name("sub/a.bin", &error));
  EXPECT_TRUE(check_relative_name("..a", &error));
  EXPECT_TRUE(check_relative_name("中文 😀.bin", &error));
  EXPECT_FALSE(check_relative_name("../x", &error));
  EXPECT_NE(error.find(".."), std::string::npos);
  EXPECT_FALSE(check_relative_name("a/../../x", &error));
  EXPECT_FALSE(check_relative_name("..", &error));
  EXPECT_FALSE(check_relative_name("/etc/passwd", &error));
  EXPECT_NE(error.find("absolute"), std::string::npos);
  EXPECT_FALSE(check_relative_name("a\\..\\..\\x", &error));
  EXPECT_FALSE(check_relative_name("C:x", &error));
  EXPECT_FALSE(check_relative_name(std::string("a\0b", 3), &error));
  EXPECT_FALSE(check_relative_name("a\nb", &error));
  EXPECT_FALSE(check_relative_name("", &error));
  EXPECT_FALSE(check_relative_name("dir/", &error));
}

// "." and "sub/." name a directory: refused, never taken for a file that exists.
TEST(OutputName, NamesEndingInADotComponentAreDirectories) {
  std::string error;
  EXPECT_FALSE(check_relative_name(".", &error));
  EXPECT_EQ(error, "output name '.' names a directory, not a file");
  EXPECT_FALSE(check_relative_name("sub/.", &error));
  EXPECT_TRUE(check_relative_name("./a.bin", &error));
  EXPECT_TRUE(check_relative_name("a.", &error));
}

// A relative Request::directory is beneath the output directory; an absolute one is its
// own root; ".." in one is refused.
TEST(OutputName, OutputIsLocatedBeneathItsRoot) {
  std::filesystem::path root;
  std::string relative, error;
  ASSERT_TRUE(locate_output("", "out", "a.bin", &root, &relative, &error));
  EXPECT_EQ(root, "out");
  EXPECT_EQ(relative, "a.bin");
  ASSERT_TRUE(locate_output("sub/./deeper", "out", "x/a.bin", &root, &relative, &error));
  EXPECT_EQ(root, "out");
  EXPECT_EQ(relative, "sub/deeper/x/a.bin");
  ASSERT_TRUE(locate_output("/srv/files", "out", "a.bin", &root, &relative, &error));
  EXPECT_EQ(root, "/srv/files");
  EXPECT_EQ(relative, "a.bin");
  EXPECT_FALSE(locate_output("sub/../..", "out", "a.bin", &root, &relative, &error));
  EXPECT_NE(error.find("'..'"), std::string::npos) << error;
}

}  // namespace
}  // namespace fetchpool::engine
