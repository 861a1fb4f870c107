// `cmake --install` gives a user what they need: a project outside this tree builds the
// first program of docs/LIBRARY.md with find_package(fetchpool) (shared and static) and
// with pkg-config, and it runs; the man page and the bash completion work.

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/nginx_server.h"
#include "support/process.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::TestData;

// The first ```cpp block of docs/LIBRARY.md.
std::string first_program() {
  std::string guide = test::read_file(std::string(FETCHPOOL_SOURCE_DIR) + "/docs/LIBRARY.md");
  std::size_t start = guide.find("```cpp\n");
  if (start == std::string::npos) return {};
  start += 7;
  return guide.substr(start, guide.find("```", start) - start);
}

test::ProcessResult shell(const std::string& command) {
  return test::run_process({"/bin/sh", "-c", command}, "", std::chrono::seconds(300));
}

class InstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
#if defined(FETCHPOOL_SANITIZED)
    GTEST_SKIP() << "a sanitizer build installs instrumented libraries that a plain program cannot link";
#endif
    dir_ = new test::TempDir();
    auto installed =
        test::run_process({"/usr/bin/cmake", "--install", FETCHPOOL_BUILD_DIR, "--prefix", prefix()}, "",
                          std::chrono::seconds(120));
    ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "nothing was installed (see SetUpTestSuite)";
  }
  static std::string prefix() {
    return *dir_ / "prefix";
  }
  static test::TempDir* dir_;
};
test::TempDir* InstallTest::dir_ = nullptr;

TEST_F(InstallTest, TheGuidesFirstProgramBuildsWithCMakeAndPkgConfigAndRuns) {
  const std::string program = first_program();
  ASSERT_NE(program.find("int main"), std::string::npos) << "no program at the top of docs/LIBRARY.md";
  EXPECT_LE(std::count(program.begin(), program.end(), '\n'), 16) << "the first program should stay short";
  test::write_file(*dir_ / "first_program.cpp", program);

  const std::string build = *dir_ / "user-build";
  auto configured = test::run_process(
      {"/usr/bin/cmake", "-G", "Ninja", "-S", std::string(FETCHPOOL_SOURCE_DIR) + "/tests/install", "-B",
       build, "-DCMAKE_PREFIX_PATH=" + prefix(), "-DPROGRAM=" + *dir_ / "first_program.cpp"});
  ASSERT_EQ(configured.exit_code, 0) << configured.out << configured.err;
  auto built = test::run_process({"/usr/bin/cmake", "--build", build}, "", std::chrono::seconds(300));
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;

  auto compiled = shell(
      "PKG_CONFIG_PATH='" + prefix() + "/lib/pkgconfig' && export PKG_CONFIG_PATH && g++ -std=c++20 '" +
      dir_->path() + "/first_program.cpp' -o '" + dir_->path() +
      "/first_program_pc' $(pkg-config --cflags --libs fetchpool) " + "-Wl,-rpath,'" + prefix() + "/lib'");
  ASSERT_EQ(compiled.exit_code, 0) << compiled.out << compiled.err;

  test::NginxServer nginx(TestData::get().root());
  const test::ServedFile& file = TestData::get().m1();
  for (const std::string& binary :
       {build + "/first_program", build + "/first_program_static", dir_->path() + "/first_program_pc"}) {
    SCOPED_TRACE(binary);
    const std::string out = *dir_ / ("run-" + fs::path(binary).filename().string());
    fs::create_directories(out);
    auto run = shell("cd '" + out + "' && '" + binary + "' '" + nginx.url(file.url_path) + "' '" +
                     nginx.url("/missing") + "'");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find(nginx.url(file.url_path) + ": ok " + file.name), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(nginx.url("/missing") + ": failed HTTP 404 Not Found"), std::string::npos)
        << run.out;
    EXPECT_EQ(test::sha256_of(out + "/" + file.name), test::sha256_of(file.disk_path));
  }
  // The shared build uses the installed libfetchpool.so; the static one carries it inside.
  EXPECT_NE(shell("ldd '" + build + "/first_program'").out.find(prefix() + "/lib/libfetchpool.so.0"),
            std::string::npos);
  EXPECT_EQ(shell("ldd '" + build + "/first_program_static'").out.find("libfetchpool"), std::string::npos);
}

TEST_F(InstallTest, TheManPageAndCompletionCoverEveryOption) {
  auto man = shell("MANWIDTH=100 man -l '" + prefix() + "/share/man/man1/fetchpool.1' 2>&1");
  ASSERT_EQ(man.exit_code, 0) << man.out;
  EXPECT_NE(man.out.find("FETCHPOOL PULL"), std::string::npos);
  for (const char* command : {"get", "pull"}) {
    auto help = test::run_process({prefix() + "/bin/fetchpool", command, "--help"});
    std::istringstream lines(help.out);
    int options = 0;
    for (std::string line; std::getline(lines, line);) {
      std::size_t at = line.find("--");
      if (line.rfind("  -", 0) != 0 || at == std::string::npos) continue;
      std::string option = line.substr(at, line.find_first_of(" ,", at) - at);
      ++options;
      EXPECT_NE(man.out.find(option), std::string::npos) << command << " " << option;
    }
    EXPECT_GT(options, 10) << help.out;
  }

  const std::string completion = prefix() + "/share/bash-completion/completions/fetchpool";
  auto complete = [&](const std::string& words, int current) {
    return shell("cd '" + std::string(FETCHPOOL_SOURCE_DIR) + "' && bash -c '. \"" + completion +
                 "\"; COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(current) +
                 "; _fetchpool; echo \"${COMPREPLY[*]}\"'")
        .out;
  };
  EXPECT_EQ(complete("fetchpool p", 1), "pull\n");
  EXPECT_EQ(complete("fetchpool pull --pla", 2), "--platform --plain-http\n");
  EXPECT_EQ(complete("fetchpool get --no-cont", 2), "--no-continue\n");
  EXPECT_EQ(complete("fetchpool get --no-conf", 2), "--no-config\n");
  EXPECT_EQ(complete("fetchpool get -d exam", 3), "examples\n");  // a directory after -d
  // The values of an option that takes one of a list.
  EXPECT_EQ(complete("fetchpool get --progress \"\"", 3), "bar plain json none\n");
  EXPECT_EQ(complete("fetchpool get --progress p", 3), "plain\n");
  EXPECT_EQ(complete("fetchpool get --if-exists \"\"", 3), "skip fail overwrite\n");
  EXPECT_EQ(complete("fetchpool pull --format \"\"", 3), "docker-archive oci\n");
  EXPECT_EQ(complete("fetchpool pull --progress j", 3), "json\n");
}

// fish completes from the installed script as a user's shell would (`complete -C` asks for
// the candidates of a command line).
TEST_F(InstallTest, FishCompletesSubcommandsOptionsAndValues) {
  const std::string script = prefix() + "/share/fish/vendor_completions.d/fetchpool.fish";
  ASSERT_TRUE(fs::exists(script));
  auto complete = [&](const std::string& line) {
    auto run = test::run_process(
        {"/usr/bin/fish", "--no-config", "-c", "source '" + script + "'; complete -C '" + line + "'"});
    // One candidate a line, its description after a tab.
    std::string words;
    std::istringstream lines(run.out);
    for (std::string candidate; std::getline(lines, candidate);)
      words += (words.empty() ? "" : " ") + candidate.substr(0, candidate.find('\t'));
    return words;
  };
  EXPECT_EQ(complete("fetchpool p"), "pull");
  EXPECT_EQ(complete("fetchpool get --progress "), "bar json none plain");
  EXPECT_EQ(complete("fetchpool get --if-exists "), "fail overwrite skip");
  EXPECT_EQ(complete("fetchpool pull --format "), "docker-archive oci");
  EXPECT_EQ(complete("fetchpool get --no-cont"), "--no-continue");
  EXPECT_EQ(complete("fetchpool pull --pla"), "--plain-http --platform");  // fish sorts them
}

// zsh's script: valid zsh, every option --help lists, values and file/directory actions.
// (Driving zsh's completion needs a pseudo-terminal session; the script is checked instead.)
TEST_F(InstallTest, ZshCompletionKnowsEveryOptionAndTheValues) {
  const std::string script = prefix() + "/share/zsh/site-functions/_fetchpool";
  ASSERT_TRUE(fs::exists(script));
  auto parsed = test::run_process({"/usr/bin/zsh", "-n", script});
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
  const std::string text = test::read_file(script);
  EXPECT_EQ(text.rfind("#compdef fetchpool\n", 0), 0u);
  for (const char* command : {"get", "pull"}) {
    auto help = test::run_process({prefix() + "/bin/fetchpool", command, "--help"});
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);) {
      std::size_t at = line.find("--");
      if (line.rfind("  -", 0) != 0 || at == std::string::npos) continue;
      std::string option = line.substr(at, line.find_first_of(" ,", at) - at);
      EXPECT_NE(text.find(option), std::string::npos) << command << " " << option;
    }
  }
  EXPECT_NE(text.find("--progress='[bar (live"), std::string::npos) << text;
  EXPECT_NE(text.find(":MODE:(bar plain json none)'"), std::string::npos) << text;
  EXPECT_NE(text.find("--if-exists='["), std::string::npos) << text;
  EXPECT_NE(text.find(":MODE:(skip fail overwrite)'"), std::string::npos) << text;
  EXPECT_NE(text.find(":FORMAT:(docker-archive oci)'"), std::string::npos) << text;
  EXPECT_NE(text.find("{-d,--dir=}'[Save files into DIR (created if missing; default: .)]:DIR:_files -/'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("'*'{-H,--header=}'["), std::string::npos) << "repeatable: " << text;
  EXPECT_NE(text.find("'*:URL:_urls'"), std::string::npos) << text;
}

// The sections a man page reader looks for (man-pages(7)), each with what fetchpool reads;
// the environment is the one --help lists.
TEST_F(InstallTest, TheManPageHasExitStatusEnvironmentFilesAndSeeAlso) {
  auto man = shell("MANWIDTH=100 man -l '" + prefix() + "/share/man/man1/fetchpool.1' 2>&1");
  ASSERT_EQ(man.exit_code, 0) << man.out;
  auto section = [&](const std::string& title) {
    std::size_t start = man.out.find("\n" + title + "\n");
    if (start == std::string::npos) return std::string();
    start += title.size() + 2;
    // Up to the next heading: a line starting with an upper-case letter (entries are
    // indented). Each round moves past one more line.
    std::size_t end = start;
    for (;;) {
      end = man.out.find('\n', end);
      if (end == std::string::npos || end + 1 >= man.out.size() ||
          std::isupper(static_cast<unsigned char>(man.out[end + 1])))
        break;
      ++end;
    }
    return man.out.substr(start, end == std::string::npos ? std::string::npos : end - start);
  };
  std::string exit_status = section("EXIT STATUS");
  for (const char* status : {"       0 ", "       1 ", "       2 ", "       130 "})
    EXPECT_NE(exit_status.find(status), std::string::npos) << status << " in " << man.out;
  EXPECT_NE(exit_status.find("Interrupted"), std::string::npos) << exit_status;

  std::string environment = section("ENVIRONMENT");
  auto help = test::run_process({prefix() + "/bin/fetchpool", "--help"});
  for (const char* variable : {"http_proxy", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "NO_COLOR",
                               "FETCHPOOL_CONFIG", "DOCKER_CONFIG", "XDG_CONFIG_HOME"}) {
    EXPECT_NE(environment.find(variable), std::string::npos) << variable << " in " << man.out;
    EXPECT_NE(help.out.find(variable), std::string::npos) << variable << " in " << help.out;
  }
  EXPECT_NE(environment.find("HTTP_PROXY is not read"), std::string::npos) << environment;

  std::string files = section("FILES");
  for (const char* file : {"~/.config/fetchpool/config", "~/.netrc", "~/.docker/config.json", "NAME.part"})
    EXPECT_NE(files.find(file), std::string::npos) << file << " in " << man.out;

  std::string see_also = section("SEE ALSO");
  EXPECT_NE(see_also.find("curl(1), wget(1), aria2c(1)"), std::string::npos) << man.out;
}

}  // namespace
}  // namespace fetchpool
