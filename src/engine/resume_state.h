#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/byte_range.h"
#include "platform/file.h"

namespace fetchpool::engine {

/// What a later attempt, or a later run after kill -9 or a crash, needs to continue a
/// download in NAME.part: kept beside it as NAME.part.state. Only bodies too large to hold
/// in memory have one, so small files cost no extra file.
struct ResumeState {
  std::string url;  ///< The URL as requested (a different URL never resumes)...
  /// ...unless both name the content by its digest (Request::expected_digest): then a
  /// download of those bytes from another URL (a mirror, a presigned URL renewed, a
  /// registry instead of its mirror) is the same download, and continues them.
  std::string digest;
  std::string etag;           ///< Strong validator for If-Range, when the server gave one.
  std::string last_modified;  ///< Fallback validator.
  std::int64_t total = -1;    ///< Size of the whole body, -1 when unknown.
  std::int64_t done = 0;      ///< Bytes written to NAME.part when the state was saved.
  /// For a download over several connections: the byte ranges of NAME.part that hold data
  /// (NAME.part then has the full size, with holes). Empty: NAME.part is a prefix.
  std::vector<ByteRange> ranges;

  /// The If-Range value: the ETag when strong, else Last-Modified; empty when neither
  /// can prove the bytes on disk belong to the same version (then resuming is unsafe).
  std::string validator() const;
};

/// Reads a state file; false when missing, unreadable, or not a state file of this version.
bool load_resume_state(const std::string& path, ResumeState* state);
/// The same for `name` in `dir`, never through a symbolic link.
bool load_resume_state(const platform::Directory& dir, const std::string& name, ResumeState* state);

/// Writes the state file `name` in `dir` through `name`.tmp and a rename, so a crash
/// leaves the old state or the new one, never a torn one (a leftover `name`.tmp is
/// replaced only when `temp_is_ours`). Not fsynced: it is a hint that saves work, and the
/// bytes it describes are checked again (validator, size, digest) before use.
bool save_resume_state(const platform::Directory& dir, const std::string& name, const ResumeState& state,
                       bool temp_is_ours, std::string* error);

}  // namespace fetchpool::engine
