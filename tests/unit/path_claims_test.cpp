#include "engine/path_claims.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace fetchpool::engine {
namespace {

// A multiplicative hash: distinct, unordered values, as path hashes are.
std::uint64_t spread(std::uint64_t i) {
  return i * 0x9E3779B97F4A7C15ull;
}

TEST(PathClaims, EveryPathIsClaimedOnceAcrossMerges) {
  PathClaims claims;
  constexpr std::uint64_t kPaths = 100'000;  // several merges of the recent set
  for (std::uint64_t i = 0; i < kPaths; ++i) ASSERT_TRUE(claims.claim(spread(i))) << i;
  EXPECT_EQ(claims.size(), kPaths);
  // Claimed before a merge, after one, and among the newest: all refused the second time.
  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{16383}, std::uint64_t{16384},
                          std::uint64_t{50'000}, kPaths - 1})
    EXPECT_FALSE(claims.claim(spread(i))) << i;
  EXPECT_TRUE(claims.claim(spread(kPaths)));
  EXPECT_EQ(claims.size(), kPaths + 1);
}

TEST(PathClaims, ContainsSeesClaimsBeforeAndAfterAMerge) {
  PathClaims claims;
  for (std::uint64_t i = 0; i < 20'000; ++i) claims.claim(spread(i));
  EXPECT_TRUE(claims.contains(spread(0)));       // merged
  EXPECT_TRUE(claims.contains(spread(19'999)));  // recent
  EXPECT_FALSE(claims.contains(spread(20'000)));
  EXPECT_EQ(claims.size(), 20'000u) << "contains() claims nothing";
}

TEST(PathClaims, AClaimGivenBackCanBeClaimedAgainOnce) {
  PathClaims claims;
  for (std::uint64_t i = 0; i < 20'000; ++i) claims.claim(spread(i));
  claims.release(spread(0));       // merged
  claims.release(spread(19'999));  // recent
  claims.release(spread(30'000));  // never claimed: nothing happens
  EXPECT_FALSE(claims.contains(spread(0)));
  EXPECT_FALSE(claims.contains(spread(19'999)));
  EXPECT_EQ(claims.size(), 19'998u);
  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{19'999}}) {
    EXPECT_TRUE(claims.claim(spread(i))) << i;
    EXPECT_FALSE(claims.claim(spread(i))) << i;
    EXPECT_TRUE(claims.contains(spread(i))) << i;
  }
  EXPECT_FALSE(claims.contains(spread(30'000)));
  EXPECT_EQ(claims.size(), 20'000u);
}

}  // namespace
}  // namespace fetchpool::engine
