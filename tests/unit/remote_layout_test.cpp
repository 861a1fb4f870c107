#include <gtest/gtest.h>

#include "fetchpool/naming.h"

namespace fetchpool {
namespace {

std::string directory_of(const std::string& url, RemoteLayout layout) {
  std::string directory;
  std::string error;
  EXPECT_TRUE(remote_directory(url, layout, &directory, &error)) << error;
  return directory;
}

// wget's layout: HOST (":PORT" only when not the scheme's), then the path's directories
// percent-decoded, an encoded separator kept inside its directory's name.
TEST(RemoteLayout, IsTheHostAndThePathsDirectoriesAsWgetMakesThem) {
  const RemoteLayout kept{.enabled = true};
  EXPECT_EQ(directory_of("https://repo.example.com/libs/a/1.0/a.jar", kept), "repo.example.com/libs/a/1.0");
  EXPECT_EQ(directory_of("http://127.0.0.1:8081/x/y.txt", kept), "127.0.0.1:8081/x");
  EXPECT_EQ(directory_of("http://h:80/y.txt", kept), "h");
  EXPECT_EQ(directory_of("http://h/%E4%B8%AD%E6%96%87/a%2Fb/f", kept), "h/中文/a_b");
  EXPECT_EQ(directory_of("http://h//double//f", kept), "h/double");

  const RemoteLayout cut{.enabled = true, .host_directory = false, .cut_dirs = 2};
  EXPECT_EQ(directory_of("https://h/artifactory/libs/com/acme/a.jar", cut), "com/acme");
  EXPECT_EQ(directory_of("https://h/one/f", cut), "");
  EXPECT_EQ(directory_of("https://h/one/f", RemoteLayout{}), "") << "off: -d itself";
}

// The name the engine gives a Request without file_name, for programs that need it first.
TEST(FileNameForUrl, IsTheLastSegmentDecodedAndMadeSafe) {
  std::string name, error;
  ASSERT_TRUE(file_name_for_url("https://h/a/%E5%9B%BE%20x.jpg?sig=1", &name, &error)) << error;
  EXPECT_EQ(name, "\xE5\x9B\xBE x.jpg");
  ASSERT_TRUE(file_name_for_url("http://h/", &name, &error));
  EXPECT_EQ(name, "index.html");
  EXPECT_FALSE(file_name_for_url("ftp://h/x", &name, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace fetchpool
