// A server's text as a message quotes it: no control byte reaches the terminal, and a long
// one is cut at a character boundary.

#include "text/server_text.h"

#include <gtest/gtest.h>

namespace fetchpool {
namespace {

TEST(ServerText, ControlBytesAreShownAsAskedAndShortTextIsWhole) {
  EXPECT_EQ(text::quote_server_text("a\x1b[31mb\nc\x7f", 100), "a?[31mb?c?");
  EXPECT_EQ(text::quote_server_text("a\tb", 100, ' '), "a b");
  EXPECT_EQ(text::quote_server_text("exactly", 7), "exactly");
}

TEST(ServerText, LongTextIsCutBetweenCharacters) {
  // "日" is three bytes: cut at 4 bytes, the second one would be split, so it goes whole.
  EXPECT_EQ(text::quote_server_text("a日日", 4), "a日...");
  EXPECT_EQ(text::quote_server_text("a日日", 5), "a日...");
  EXPECT_EQ(text::quote_server_text("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace fetchpool
