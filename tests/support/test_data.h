#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fetchpool::test {

/// A file the test server serves.
struct ServedFile {
  std::string url_path;   ///< Percent-encoded, as in a URL ("/dir/a%20b.bin").
  std::string name;       ///< The decoded file name a download should get.
  std::string disk_path;  ///< Where the source lives.
  std::int64_t size = 0;
};

/// The generated document root: random files of every size the tests need, built once
/// per build tree (deterministic content), shared by every test process.
class TestData {
 public:
  static const TestData& get();

  const std::string& root() const { return root_; }
  const ServedFile& tiny() const { return files_[0]; }
  const ServedFile& empty() const { return files_[1]; }
  const ServedFile& k16() const { return files_[2]; }
  const ServedFile& m1() const { return files_[3]; }
  const ServedFile& m200() const { return files_[4]; }
  const ServedFile& unicode() const { return files_[5]; }
  const std::vector<ServedFile>& all() const { return files_; }
  /// "/many/f0000.bin" ... 1,000 files of 16 KiB.
  const std::vector<ServedFile>& many() const { return many_; }

 private:
  TestData();
  std::string root_;
  std::vector<ServedFile> files_;
  std::vector<ServedFile> many_;
};

/// Lower-case hex sha256 of a file ("" when unreadable).
std::string sha256_of(const std::string& path);

}  // namespace fetchpool::test
