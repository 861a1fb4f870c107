#pragma once

#include <string>
#include <string_view>

namespace fetchpool::progress {

/// Terminal columns `text` (UTF-8) takes, from utf8proc's Unicode tables: East Asian Wide
/// characters and emoji (Emoji_Presentation, or any with VS16) take two, combining marks
/// none, control characters none; a grapheme cluster is measured whole. Invalid bytes
/// count one each.
int display_width(std::string_view text);

/// `text` shortened to at most `width` columns by cutting its middle, so both the start and
/// the end of a file name stay readable: "very-long-na…e-2024.tar.gz". Never splits a
/// grapheme cluster (a character with its accents, an emoji sequence). `utf8` false uses "..." instead of
/// "…".
std::string elide_middle(std::string_view text, int width, bool utf8);

/// Rows `text` takes on a terminal `columns` wide: each of its lines ('\n' separated) at
/// least one, a line wider than the terminal wrapping onto more.
int terminal_rows(std::string_view text, int columns);

/// `text` padded with spaces to `width` columns (unchanged when already that wide).
std::string pad_right(std::string text, int width);

}  // namespace fetchpool::progress
