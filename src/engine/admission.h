#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>

#include "engine/path_claims.h"
#include "engine/transfer.h"
#include "fetchpool/options.h"

namespace fetchpool::engine {

/// What the loop checks of a request before it queues it, and what it knows of output
/// paths meanwhile: the names this engine's requests have claimed, and which directories
/// were missing or empty when first seen. Loop thread only.
class Admission {
 public:
  /// `options` must outlive this. Claims are keyed by absolute paths from the working
  /// directory at construction.
  explicit Admission(const EngineOptions& options);

  /// Checks a new request (its URL, its own limits, the output name and where it goes, the
  /// digest spec, an output path no other request of this engine uses) and fills in what
  /// follows from it: `url`, `display_path`, `output_root`, `output_relative`,
  /// `expected_digest`. False with `error`, an invalid input, when it cannot run.
  bool admit(Transfer& transfer, std::string* error);

  /// For a transfer that failed or was cancelled: its path may be submitted again, and its
  /// directory may now hold its NAME.part for that request to continue (so it is no longer
  /// one known to be empty). A path whose transfer ended with its file stays taken.
  void give_back(const Transfer& transfer);

  /// Whether the final name may already exist; false when its directory was missing or
  /// empty when first seen (then only this engine writes there, and commit still refuses
  /// to clobber anything that appears meanwhile). Saves a stat per file in a fresh directory.
  bool may_exist(const std::string& path);

 private:
  const EngineOptions& options_;
  std::filesystem::path base_dir_;
  /// Output paths used by this engine (hashes of normalised absolute paths), so that two
  /// requests for one file fail clearly instead of overwriting each other.
  PathClaims claimed_paths_;
  /// Directory -> missing or empty when first seen (and nothing of this run's left there since).
  std::unordered_map<std::string, bool> fresh_dirs_;
};

}  // namespace fetchpool::engine
