#include "cli/remote_layout.h"

#include <gtest/gtest.h>

namespace fetchpool::cli {
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

}  // namespace
}  // namespace fetchpool::cli
