// The seeded liar (/lie/ on the fault server): each request is answered from a random
// choice over status, lengths, ranges, framing, validators and digests. Every download
// must end byte-exact, or failed with a reason and nothing under its final name, and
// nothing may be written outside the output directory. `./dev soak` runs thousands of
// seeds; a failure names its seed, to replay with FETCHPOOL_LIAR_FIRST_SEED=S
// FETCHPOOL_LIAR_SEEDS=1.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "fetchpool/engine.h"
#include "support/fault_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::FaultServer;
using test::TempDir;

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

class LiarTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  TempDir dir_;
};

TEST_F(LiarTest, EveryDownloadEndsExactOrFailsWithNothingUnderItsName) {
  const int first_seed = env_int("FETCHPOOL_LIAR_FIRST_SEED", 1);
  const int seeds = env_int("FETCHPOOL_LIAR_SEEDS", 300);
  // In memory, spilled to NAME.part, and split over connections (past 2 x 64 KiB).
  const std::int64_t kSizes[] = {0, 1, 5'000, 100'000, 300'000};
  const fs::path out = dir_ / "out";  // NOLINT

  EngineOptions options;
  options.output_dir = out;
  options.retries = 3;
  options.retry_wait_s = 0.01;
  options.retry_wait_max_s = 0.05;
  options.stall_timeout_s = 2;
  options.connections_per_file = 3;
  options.min_split_size = 64 * 1024;
  options.max_concurrent = 16;
  struct Expected {
    std::string name;
    std::int64_t size;
    int seed;
  };
  std::vector<Expected> expected;
  std::vector<TransferHandle> handles;
  {
    Engine engine(options);
    for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
      const std::int64_t size = kSizes[static_cast<std::size_t>(seed) % std::size(kSizes)];
      const std::string name = "s" + std::to_string(seed) + "-" + std::to_string(size);
      expected.push_back({name, size, seed});
      handles.push_back(engine.submit({.url = server_->url("/lie/" + name + "?seed=" + std::to_string(seed) +
                                                           "&size=" + std::to_string(size))}));
    }
    std::vector<std::string> broken;
    int ok = 0;
    int failed = 0;
    for (std::size_t i = 0; i < handles.size(); ++i) {
      const Result result = handles[i].wait();
      const Expected& want = expected[i];
      const fs::path path = out / want.name;
      const std::string seed = "seed " + std::to_string(want.seed) + " (" + want.name + "): ";
      if (result.status == Status::ok) {
        ++ok;
        if (test::sha256_of(path) != test::sha256_hex(test::fault_body(want.name, want.size)))
          broken.push_back(seed + "ok, but the file is not the body (" + std::to_string(fs::file_size(path)) +
                           " bytes of " + std::to_string(want.size) + ")");
        if (fs::exists(path.string() + ".part")) broken.push_back(seed + "ok, but NAME.part is left");
      } else if (result.status == Status::failed) {
        ++failed;
        if (fs::exists(path)) broken.push_back(seed + "failed, but the final name exists");
        if (result.category == ErrorCategory::none || result.message.empty())
          broken.push_back(seed + "failed without a reason");
      } else {
        broken.push_back(seed + "ended " + std::string(to_string(result.status)) + ": " + result.message);
      }
    }
    std::string all;
    for (const std::string& line : broken) all += line + "\n";
    EXPECT_TRUE(broken.empty()) << broken.size() << " of " << seeds << " seeds broke the promise:\n" << all;
    std::cout << "liar: " << ok << " ok, " << failed << " failed with a reason, seeds " << first_seed << "-"
              << first_seed + seeds - 1 << "\n";
    EXPECT_GT(ok, seeds / 10) << "the liar should let some downloads through";
  }

  // Nothing outside -d, and under it only the downloads' own names.
  std::set<std::string> allowed;
  for (const Expected& want : expected) {
    allowed.insert(want.name);
    allowed.insert(want.name + ".part");
    allowed.insert(want.name + ".part.state");
  }
  for (const auto& entry : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(entry.path().filename(), "out") << "written outside -d";
  for (const auto& entry : fs::directory_iterator(out))
    EXPECT_TRUE(allowed.count(entry.path().filename().string())) << entry.path();
}

}  // namespace
}  // namespace fetchpool
