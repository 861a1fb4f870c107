#include "registry/diff_id.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

#include "hash/digest.h"

namespace fetchpool::registry {
namespace {

std::string sha256(const std::string& data) {
  hash::Digest digest("sha256");
  digest.update(data.data(), data.size());
  return "sha256:" + digest.finish();
}

std::string gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Some tar-like bytes that compress: a repeated pattern with a counter.
std::string layer_bytes(std::size_t size) {
  std::string data;
  for (std::size_t i = 0; data.size() < size; ++i) data += "file-" + std::to_string(i) + " some content\n";
  data.resize(size);
  return data;
}

// Feeds `stream` in pieces of `piece` bytes; the diff_id, or "error: ..." when it fails.
std::string diff_id_of(const std::string& stream, std::size_t piece) {
  DiffIdHasher hasher;
  for (std::size_t at = 0; at < stream.size(); at += piece)
    hasher.update(stream.data() + at, std::min(piece, stream.size() - at));
  std::string diff_id, error;
  if (!hasher.finish(&diff_id, &error)) return "error: " + error;
  return diff_id;
}

TEST(DiffId, GzipZstdAndUncompressedGiveTheDigestOfTheTar) {
  const std::string tar = layer_bytes(3'000'000);
  for (std::size_t piece : {std::size_t{1} << 20, std::size_t{4096}, std::size_t{3}}) {
    EXPECT_EQ(diff_id_of(gzip(tar), piece), sha256(tar)) << piece;
    EXPECT_EQ(diff_id_of(zstd(tar), piece), sha256(tar)) << piece;
    EXPECT_EQ(diff_id_of(tar, piece), sha256(tar)) << piece;
  }
  EXPECT_EQ(diff_id_of("ab", 1), sha256("ab"));  // shorter than any magic
  EXPECT_EQ(diff_id_of("", 1), sha256(""));
}

TEST(DiffId, ConcatenatedMembersAndFramesAreOneStream) {
  const std::string a = layer_bytes(100'000), b = layer_bytes(70'000);
  EXPECT_EQ(diff_id_of(gzip(a) + gzip(b), 4096), sha256(a + b));
  EXPECT_EQ(diff_id_of(zstd(a) + zstd(b), 4096), sha256(a + b));
}

TEST(DiffId, TruncatedOrCorruptStreamsAreErrors) {
  const std::string tar = layer_bytes(500'000);
  std::string gz = gzip(tar), zs = zstd(tar);
  EXPECT_EQ(diff_id_of(gz.substr(0, gz.size() / 2), 4096).rfind("error: the gzip stream ends early", 0), 0u);
  EXPECT_EQ(diff_id_of(zs.substr(0, zs.size() / 2), 4096).rfind("error: the zstd stream ends early", 0), 0u);
  // The gzip CRC is not checked (the diff_id is): bytes flipped in the middle either break
  // the stream or decompress to other bytes, and never to the diff_id of the original.
  gz[gz.size() / 2] ^= 0x55;
  gz[gz.size() / 2 + 1] ^= 0x55;
  const std::string corrupt = diff_id_of(gz, 4096);
  EXPECT_NE(corrupt, sha256(tar));
  if (corrupt.rfind("error: ", 0) == 0) {
    EXPECT_EQ(corrupt.rfind("error: the gzip stream is broken", 0), 0u) << corrupt;
  }
  // A broken deflate header is an error still.
  std::string bad_block = gzip(tar);
  bad_block[10] = static_cast<char>(0xff);  // the first block's header: reserved block type 3
  EXPECT_EQ(diff_id_of(bad_block, 4096).rfind("error: the gzip stream is broken", 0), 0u)
      << diff_id_of(bad_block, 4096);
}

}  // namespace
}  // namespace fetchpool::registry
