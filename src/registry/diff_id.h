#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace fetchpool::registry {

/// The digest of a layer's uncompressed tar (its diff_id, as an image config's
/// rootfs.diff_ids lists it), computed while the layer's bytes are fed in order. The
/// compression is read from the first bytes, as Docker does: gzip (members one after
/// another are one stream), zstd (frames likewise), or none.
class DiffIdHasher {
 public:
  DiffIdHasher();
  ~DiffIdHasher();
  DiffIdHasher(const DiffIdHasher&) = delete;
  DiffIdHasher& operator=(const DiffIdHasher&) = delete;

  /// False (and error() says why) once the bytes are not a valid stream of what they began as.
  bool update(const void* data, std::size_t size);
  /// "sha256:HEX" of the uncompressed bytes; false with `error` when the stream ended early
  /// or was broken. Call once, after the last update().
  bool finish(std::string* diff_id, std::string* error);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fetchpool::registry
