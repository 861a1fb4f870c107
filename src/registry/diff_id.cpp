#include "registry/diff_id.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <vector>

#include "hash/digest.h"

namespace fetchpool::registry {
namespace {

enum class Compression { unknown, none, gzip, zstd };

constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};
constexpr std::size_t kOutputChunk = 256 * 1024;

}  // namespace

struct DiffIdHasher::State {
  hash::Digest digest{"sha256"};
  Compression compression = Compression::unknown;
  std::string head;  // the first bytes, until the magic can be told
  std::vector<unsigned char> out = std::vector<unsigned char>(kOutputChunk);
  z_stream zlib{};
  bool zlib_open = false;
  bool zlib_member_ended = false;  // at a gzip member's end: only another member may follow
  ZSTD_DStream* zstd = nullptr;
  std::size_t zstd_hint = 0;  // 0: at a frame boundary
  std::string error;

  ~State() {
    if (zlib_open) inflateEnd(&zlib);
    if (zstd != nullptr) ZSTD_freeDStream(zstd);
  }

  bool fail(std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }

  bool start(const unsigned char* data, std::size_t size) {
    if (size >= sizeof kGzipMagic && std::memcmp(data, kGzipMagic, sizeof kGzipMagic) == 0) {
      compression = Compression::gzip;
      if (inflateInit2(&zlib, 16 + MAX_WBITS) != Z_OK) return fail("zlib cannot start");
      zlib_open = true;
      skip_crc();
    } else if (size >= sizeof kZstdMagic && std::memcmp(data, kZstdMagic, sizeof kZstdMagic) == 0) {
      compression = Compression::zstd;
      zstd = ZSTD_createDStream();
      if (zstd == nullptr || ZSTD_isError(ZSTD_initDStream(zstd))) return fail("zstd cannot start");
    } else {
      compression = Compression::none;
    }
    return true;
  }

  // The gzip trailer's CRC-32 is not computed: the sha256 of the same output, compared
  // with the config's diff_id, is the stronger check, and the CRC was a tenth of a 600 MiB
  // pull's CPU time.
  void skip_crc() { inflateValidate(&zlib, 0); }

  bool gunzip(const unsigned char* data, std::size_t size) {
    zlib.next_in = const_cast<unsigned char*>(data);
    zlib.avail_in = static_cast<uInt>(size);
    while (zlib.avail_in > 0) {
      if (zlib_member_ended) {
        if (inflateReset(&zlib) != Z_OK) return fail("zlib cannot continue");
        skip_crc();
        zlib_member_ended = false;
      }
      zlib.next_out = out.data();
      zlib.avail_out = static_cast<uInt>(out.size());
      int rc = inflate(&zlib, Z_NO_FLUSH);
      digest.update(out.data(), out.size() - zlib.avail_out);
      if (rc == Z_STREAM_END) {
        zlib_member_ended = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return fail(std::string("the gzip stream is broken: ") +
                    (zlib.msg != nullptr ? zlib.msg : "inflate failed"));
      }
    }
    return true;
  }

  bool unzstd(const unsigned char* data, std::size_t size) {
    ZSTD_inBuffer in{data, size, 0};
    for (;;) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      std::size_t hint = ZSTD_decompressStream(zstd, &output, &in);
      if (ZSTD_isError(hint))
        return fail(std::string("the zstd stream is broken: ") + ZSTD_getErrorName(hint));
      digest.update(out.data(), output.pos);
      zstd_hint = hint;
      // All input taken and the output not filled: nothing is held back any more (a full
      // buffer may have more to flush, so it goes round again).
      if (in.pos == in.size && output.pos < output.size) return true;
    }
  }

  // Tells the compression from the bytes held so far, then feeds them.
  bool start_with_head() {
    const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
    bool ok = start(bytes, head.size()) && feed(bytes, head.size());
    head = std::string();
    return ok;
  }

  bool feed(const unsigned char* data, std::size_t size) {
    switch (compression) {
      case Compression::gzip: return gunzip(data, size);
      case Compression::zstd: return unzstd(data, size);
      default: digest.update(data, size); return true;
    }
  }
};

DiffIdHasher::DiffIdHasher() : state_(std::make_unique<State>()) {}
DiffIdHasher::~DiffIdHasher() = default;

bool DiffIdHasher::update(const void* data, std::size_t size) {
  State& s = *state_;
  if (!s.error.empty()) return false;
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (s.compression != Compression::unknown) return s.feed(bytes, size);
  // The magic may straddle two updates: hold the first few bytes until it can be told.
  s.head.append(reinterpret_cast<const char*>(bytes), size);
  if (s.head.size() < sizeof kZstdMagic) return true;
  return s.start_with_head();
}

bool DiffIdHasher::finish(std::string* diff_id, std::string* error) {
  State& s = *state_;
  if (s.error.empty() && s.compression == Compression::unknown) {
    s.start_with_head();  // fewer bytes than any magic: uncompressed
  }
  if (s.error.empty() && s.compression == Compression::gzip && !s.zlib_member_ended)
    s.fail("the gzip stream ends early");
  if (s.error.empty() && s.compression == Compression::zstd && s.zstd_hint != 0)
    s.fail("the zstd stream ends early");
  if (!s.error.empty()) {
    *error = s.error;
    return false;
  }
  *diff_id = "sha256:" + s.digest.finish();
  return true;
}

}  // namespace fetchpool::registry
