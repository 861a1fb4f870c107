#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fetchpool {

/// What to do when a transfer's final name already exists before it starts.
enum class IfExists {
  skip,       ///< Keep the existing file; the transfer ends as Status::skipped. The default.
  fail,       ///< End the transfer as failed (ErrorCategory::filesystem); keep the file.
  overwrite,  ///< Download, then atomically replace the file once the new one is complete.
};

/// Bytes [offset, offset + size) of an existing file: where Request::into_region puts a body.
struct FileRegion {
  std::filesystem::path file;  ///< Absolute, or relative to the working directory.
  std::int64_t offset = 0;
  std::int64_t size = 0;
};

/// One download: where from, where to, and what it must be.
struct Request {
  /// http:// or https:// URL. user:password@ in it is used for auth and never reported.
  std::string url;
  /// Other URLs of the same file (aria2's tab-separated URIs): when an attempt fails for
  /// a reason another server may not have (network, TLS, timeout, stall, HTTP status,
  /// checksum, protocol), the next attempt goes to the next of `url` and these, in turn,
  /// at once the first time round; the file fails only once each has failed for good or the
  /// retries are spent. The bytes already on disk are continued from another mirror only
  /// when it shows the same version (ETag or Last-Modified), else it starts over. Results
  /// and resume state name `url`.
  std::vector<std::string> mirrors;

  /// Output directory, created when missing. Relative (or empty): a subdirectory of
  /// EngineOptions::output_dir, reached without following a symbolic link (one on the way
  /// fails the transfer with ErrorCategory::filesystem), never containing ".." (fails with
  /// ErrorCategory::invalid_input). Absolute: that directory itself, symlinks followed, as
  /// EngineOptions::output_dir is.
  std::filesystem::path directory;

  /// Output file name (UTF-8), relative to `directory`; may contain subdirectories
  /// ("a/b.bin", made without following a symbolic link) but never "..", an absolute path,
  /// control characters, or a directory ("sub/", "."): such a name fails the transfer with
  /// ErrorCategory::invalid_input. Empty: derived from the URL
  /// (last path segment, percent-decoded and made safe; "index.html" when there is none).
  std::string file_name;
  /// Name the file as the server's Content-Disposition says (wget's --content-disposition,
  /// curl's -J): its file name, made safe (only its last component; control characters as
  /// '_'; not valid UTF-8, "", "." or ".." ignored), replaces the last component of the name
  /// above, in the same directory. The name is known only when the body starts: the
  /// IfExists rule is applied then, and NAME.part keeps the name above, so an interrupted
  /// download continues in a later run. With no usable header, the name above is kept.
  bool name_from_server = false;

  /// Extra request headers, each "Name: value".
  std::vector<std::string> headers;
  /// A body to send with POST instead of a GET (as application/x-www-form-urlencoded
  /// unless `headers` give a Content-Type): for small API calls such as an OAuth2 token
  /// request. Only with to_memory, since such an answer is never resumed or split. Sent
  /// on every attempt and again after a 307 or 308 redirect; a 301, 302 or 303 goes on
  /// as a GET, as curl and browsers do.
  std::optional<std::string> post_body;

  /// Expected digest of the whole file, "sha256:HEX" (also sha512, sha1, md5). Empty: none.
  /// Checked as bytes arrive; a mismatch fails with ErrorCategory::checksum and nothing
  /// is left under the final name.
  std::string expected_digest;

  /// Expected size of the whole file in bytes; -1: unknown. A response that states another
  /// size, or a body that ends at another, fails with ErrorCategory::checksum and nothing
  /// is left under the final name (as a digest mismatch does).
  std::int64_t expected_size = -1;
  /// What progress displays call it (TransferProgress::label); empty: the file name.
  std::string label;

  /// Write the body into a region of an existing file instead of a file of its own (a
  /// tarball laid out before its members arrive, say), so that it is written once, in place.
  /// The file must exist and reach the region's end; it is never created, truncated,
  /// resized or renamed, and nothing outside the region is written. The body must be
  /// exactly the region's size (expected_size, when set, must agree; a longer or shorter
  /// body fails as a size mismatch). directory/file_name still name the transfer (progress,
  /// Result::path) and where its resume state is kept (NAME.part.state): an interrupted
  /// body continues from it in a later run, which is right only if the region's bytes were
  /// left as they were, so a caller that lays the file out again removes those states. No
  /// file appears at NAME, and if_exists does not apply. A body that fails (a digest
  /// mismatch too) may leave bytes in the region: the file is the caller's to name final
  /// once every region is ok. Not with to_memory or name_from_server.
  std::optional<FileRegion> into_region;

  /// Keep the body in memory (Result::body) instead of writing a file: nothing touches
  /// the disk, and directory/file_name are only used to name it in progress. The body
  /// is fetched over one connection; a retry starts it over.
  bool to_memory = false;
  /// For to_memory: the largest body accepted. A larger one fails the transfer
  /// (ErrorCategory::too_large) as soon as that is known: from the Content-Length when
  /// the server sends one, else when the bytes pass the limit.
  std::int64_t memory_limit = 64 * 1024 * 1024;

  /// This request's own limits, instead of the engine's (EngineOptions) when set.
  std::optional<double> max_time_s;  ///< Seconds from the first attempt's start; 0: none.
  std::optional<int> retries;        ///< Attempts after the first.
  std::optional<int> connections;    ///< Connections for this one file (1: never split).
  /// The most this file receives per second, over all its connections (aria2's per-item
  /// max-download-limit); the run's cap (EngineOptions::max_bytes_per_s) holds too.
  std::optional<std::int64_t> max_bytes_per_s;
  std::optional<IfExists> if_exists;
};

}  // namespace fetchpool
