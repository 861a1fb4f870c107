#include "support/test_data.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "hash/digest.h"

namespace fetchpool::test {
namespace {

namespace fs = std::filesystem;

constexpr int kManyFiles = 1000;

struct Spec {
  std::string url_path;
  std::string name;
  std::int64_t size;
};

std::vector<Spec> specs() {
  return {
      {"/tiny.txt", "tiny.txt", 37},
      {"/empty.bin", "empty.bin", 0},
      {"/16k.bin", "16k.bin", 16 * 1024},
      {"/1m.bin", "1m.bin", 1024 * 1024},
      {"/200m.bin", "200m.bin", 200LL * 1024 * 1024},
      // "name with spaces 中文 😀.bin"
      {"/name%20with%20spaces%20%E4%B8%AD%E6%96%87%20%F0%9F%98%80.bin",
       "name with spaces \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80.bin", 4099},
  };
}

void write_random(const fs::path& path, std::int64_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::uint64_t> block(1 << 17);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (std::int64_t left = size; left > 0;) {
    for (auto& word : block) word = random();
    auto chunk = std::min<std::int64_t>(left, static_cast<std::int64_t>(block.size() * 8));
    out.write(reinterpret_cast<const char*>(block.data()), chunk);
    left -= chunk;
  }
  if (!out) throw std::runtime_error("cannot write test data " + path.string());
}

}  // namespace

const TestData& TestData::get() {
  static const TestData data;
  return data;
}

TestData::TestData() : root_(std::string(FETCHPOOL_TEST_DATA_DIR) + "/www") {
  std::uint64_t seed = 1;
  for (const Spec& spec : specs()) {
    files_.push_back({spec.url_path, spec.name, root_ + "/" + spec.name, spec.size});
  }
  for (int i = 0; i < kManyFiles; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%04d.bin", i);
    many_.push_back({std::string("/many/") + name, name, root_ + "/many/" + name, 16 * 1024});
  }
  if (fs::exists(root_ + "/.complete")) return;
  std::error_code ignored;
  fs::remove_all(root_, ignored);  // a half-built set left by an interrupted run
  // Build in a private directory and rename it into place, so concurrent test processes
  // never see half a data set.
  fs::path staging = root_ + ".staging." + std::to_string(getpid());
  fs::remove_all(staging);
  fs::create_directories(staging / "many");
  for (const Spec& spec : specs()) write_random(staging / spec.name, spec.size, seed++);
  for (int i = 0; i < kManyFiles; ++i) write_random(staging / "many" / many_[i].name, 16 * 1024, seed++);
  std::ofstream(staging / ".complete") << "1\n";
  std::error_code ec;
  fs::rename(staging, root_, ec);
  if (ec) fs::remove_all(staging);  // another process won the race: its copy is identical
}

std::string sha256_of(const std::string& path) {
  return hash::sha256_file(path);
}

}  // namespace fetchpool::test
