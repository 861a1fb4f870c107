#include "hash/digest.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace fetchpool::hash {
namespace {

struct Algorithm {
  std::string_view name;
  std::size_t hex_length;
};
constexpr Algorithm kAlgorithms[] = {{"sha256", 64}, {"sha512", 128}, {"sha1", 40}, {"md5", 32}};

const EVP_MD* lookup(std::string_view name) {
  if (name == "sha256") return EVP_sha256();
  if (name == "sha512") return EVP_sha512();
  if (name == "sha1") return EVP_sha1();
  if (name == "md5") return EVP_md5();
  return nullptr;
}

std::string to_hex(const unsigned char* bytes, unsigned length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(length * 2, '0');
  for (unsigned i = 0; i < length; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

bool parse_digest_spec(std::string_view text, DigestSpec* out, std::string* error) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    *error = "checksum '" + std::string(text) + "' must look like sha256:HEX";
    return false;
  }
  std::string algorithm(text.substr(0, colon));
  for (char& c : algorithm) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '-') c = '\0';
  }
  std::erase(algorithm, '\0');  // "SHA-256" -> "sha256"
  std::string hex(text.substr(colon + 1));
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const Algorithm& known : kAlgorithms) {
    if (known.name != algorithm) continue;
    bool all_hex = hex.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (hex.size() != known.hex_length || !all_hex) {
      *error = "checksum for " + algorithm + " must be " + std::to_string(known.hex_length) +
               " hex digits, got '" + hex + "'";
      return false;
    }
    out->algorithm = algorithm;
    out->hex = hex;
    return true;
  }
  *error = "unknown checksum algorithm '" + algorithm + "' (use sha256, sha512, sha1 or md5)";
  return false;
}

struct Digest::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Digest::Digest(std::string_view algorithm) : ctx_(std::make_unique<Ctx>()) {
  const EVP_MD* md = lookup(algorithm);
  if (md == nullptr) throw std::invalid_argument("unknown digest algorithm: " + std::string(algorithm));
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, md, nullptr) != 1) {
    throw std::runtime_error("cannot initialise digest " + std::string(algorithm));
  }
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(ctx_->md, data, size);
}

std::string Digest::finish() {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(ctx_->md, bytes, &length);
  return to_hex(bytes, length);
}

std::string mismatch_detail(std::string_view expected, std::string_view actual) {
  return "expected " + std::string(expected) + ", got " + std::string(actual);
}

std::string sha256_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return {};
  Digest digest("sha256");
  std::vector<char> buffer(1 << 20);
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) digest.update(buffer.data(), n);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  return failed ? std::string() : digest.finish();
}

}  // namespace fetchpool::hash
