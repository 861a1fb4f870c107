#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fetchpool {

/// One download: where from, where to, and what it must be.
struct Request {
  /// http:// or https:// URL. user:password@ in it is used for auth and never reported.
  std::string url;

  /// Output directory; empty means EngineOptions::output_dir. Created when missing.
  std::filesystem::path directory;

  /// Output file name (UTF-8), relative to `directory`; may contain subdirectories
  /// ("a/b.bin") but never "..", an absolute path, or control characters: such a name
  /// fails the transfer with ErrorCategory::invalid_input. Empty: derived from the URL
  /// (last path segment, percent-decoded and made safe; "index.html" when there is none).
  std::string file_name;

  /// Extra request headers, each "Name: value".
  std::vector<std::string> headers;

  /// Expected digest of the whole file, "sha256:HEX" (also sha512, sha1, md5). Empty: none.
  /// Checked as bytes arrive; a mismatch fails with ErrorCategory::checksum and nothing
  /// is left under the final name.
  std::string expected_digest;

  /// What progress displays call it (TransferProgress::label); empty: the file name.
  std::string label;
};

}  // namespace fetchpool
