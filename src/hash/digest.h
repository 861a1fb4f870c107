#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace fetchpool::hash {

/// "sha256:HEX" split and checked: a known algorithm and a hex string of its length.
struct DigestSpec {
  std::string algorithm;  ///< "sha256", "sha512", "sha1" or "md5".
  std::string hex;        ///< Lower case.
};

/// Parses "algo:hex"; on failure returns false with `error` set for a person.
bool parse_digest_spec(std::string_view text, DigestSpec* out, std::string* error);

/// An incremental digest over OpenSSL EVP: update() as bytes arrive, finish() once.
class Digest {
 public:
  /// `algorithm` must be one parse_digest_spec accepts; throws std::invalid_argument otherwise.
  explicit Digest(std::string_view algorithm);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(const void* data, std::size_t size);
  /// The digest as lower-case hex. Call once.
  std::string finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

/// How a digest that did not match is told: "expected sha256:A, got sha256:B".
std::string mismatch_detail(std::string_view expected, std::string_view actual);

/// Lower-case hex SHA-256 of a whole file; empty when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace fetchpool::hash
