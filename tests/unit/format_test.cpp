#include "progress/format.h"

#include <gtest/gtest.h>

#include <string>

namespace fetchpool::progress {
namespace {

TEST(CutForMessage, KeepsShortTextAndCutsLongTextNamingItsLength) {
  EXPECT_EQ(cut_for_message("bogus"), "bogus");
  EXPECT_EQ(cut_for_message(std::string(200, 'a')), std::string(200, 'a'));
  EXPECT_EQ(cut_for_message(std::string(50'000'000, 'a')), std::string(200, 'a') + "... (50000000 bytes)");
  // "é" is two bytes; a cut inside it keeps neither.
  EXPECT_EQ(cut_for_message("abc\xC3\xA9xyz", 4), "abc... (8 bytes)");
  EXPECT_EQ(cut_for_message("abc\xC3\xA9xyz", 5), "abc\xC3\xA9... (8 bytes)");
}

TEST(FormatBytes, UsesBinaryMultiplesWithOneDecimal) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_bytes(16 * 1024), "16.0 KiB");
  EXPECT_EQ(format_bytes(1536 * 1024), "1.5 MiB");
  EXPECT_EQ(format_bytes(1024LL * 1024 * 1024 - 1), "1.0 GiB");
  EXPECT_EQ(format_bytes(5LL * 1024 * 1024 * 1024 * 1024), "5.0 TiB");
}

TEST(FormatDuration, ScalesWithMagnitude) {
  EXPECT_EQ(format_duration(0.421), "0.42 s");
  EXPECT_EQ(format_duration(12.34), "12.3 s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
}

TEST(FormatRate, AppendsPerSecond) {
  EXPECT_EQ(format_rate(2.5 * 1024 * 1024), "2.5 MiB/s");
}

}  // namespace
}  // namespace fetchpool::progress
