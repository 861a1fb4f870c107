#include "hash/digest.h"

#include <gtest/gtest.h>

namespace fetchpool::hash {
namespace {

TEST(Digest, Sha256OfKnownInputInPieces) {
  Digest digest("sha256");
  digest.update("a", 1);
  digest.update("bc", 2);
  EXPECT_EQ(digest.finish(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, ParsesAlgorithmAndLowercasesHex) {
  DigestSpec spec;
  std::string error;
  ASSERT_TRUE(parse_digest_spec("SHA-256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
                                &spec, &error))
      << error;
  EXPECT_EQ(spec.algorithm, "sha256");
  EXPECT_EQ(spec.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, RejectsWrongLengthAndUnknownAlgorithm) {
  DigestSpec spec;
  std::string error;
  EXPECT_FALSE(parse_digest_spec("sha256:abcd", &spec, &error));
  EXPECT_NE(error.find("64 hex digits"), std::string::npos) << error;
  EXPECT_FALSE(parse_digest_spec("crc32:abcd", &spec, &error));
  EXPECT_NE(error.find("unknown checksum algorithm"), std::string::npos) << error;
  EXPECT_FALSE(parse_digest_spec("nocolon", &spec, &error));
}

}  // namespace
}  // namespace fetchpool::hash
