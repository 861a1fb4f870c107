#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/file.h"

namespace fetchpool::registry {

/// Puts a pulled image together from its blobs as they arrive, on threads of its own (one
/// per core: layers often finish together, and decompressing is the slow part) so that
/// the work overlaps the downloads still running: computes the diff_id of every layer
/// downloaded now (layers already in the store were checked when they arrived) and, for a
/// tarball filled from a store, copies each blob to its place in the archive. A blob the
/// engine wrote into its place already (Request::into_region) is only read back there, for
/// its diff_id.
class ImageAssembler {
 public:
  /// `archive`: the tarball being written, laid out already (nullptr for an OCI layout).
  explicit ImageAssembler(platform::OutputFile* archive);
  /// Stops the work at the next chunk and joins the threads.
  ~ImageAssembler();
  ImageAssembler(const ImageAssembler&) = delete;
  ImageAssembler& operator=(const ImageAssembler&) = delete;

  /// Before start(): a blob of the image, stored at `path`, or with `in_archive` at its
  /// place in the archive already; `archive_offset` is where its bytes go in the archive
  /// (ignored without one).
  void expect(const std::string& digest, std::filesystem::path path, std::int64_t size,
              std::int64_t archive_offset, bool is_layer, bool in_archive);
  void start();
  /// Thread-safe: the blob is complete at its path. `downloaded`: it arrived now, rather
  /// than being in the store already. Blobs not expected are ignored.
  void blob_ready(const std::string& digest, bool downloaded);
  /// Waits until every blob handed over is done; false with `error` for the first that
  /// could not be read, written, or decompressed.
  bool finish(std::string* error);
  /// After finish(): the diff_id ("sha256:HEX") of each layer downloaded now, by digest.
  const std::map<std::string, std::string>& diff_ids() const { return diff_ids_; }

 private:
  struct Blob {
    std::filesystem::path path;
    std::int64_t size = 0;
    std::int64_t archive_offset = 0;
    bool is_layer = false;
    bool in_archive = false;
    bool handed_over = false;
  };
  void run();
  bool process(const std::string& digest, const Blob& blob, bool downloaded, std::string* diff_id,
               std::string* error);

  platform::OutputFile* archive_;
  std::map<std::string, Blob> blobs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, bool>> ready_;  // digest, downloaded
  bool finishing_ = false;
  bool stopping_ = false;
  int busy_ = 0;  // blobs being processed
  std::string error_;
  std::map<std::string, std::string> diff_ids_;
  std::vector<std::thread> threads_;
};

}  // namespace fetchpool::registry
