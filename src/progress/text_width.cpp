#include "progress/text_width.h"

#include <utf8proc.h>

#include <algorithm>
#include <vector>

namespace fetchpool::progress {
namespace {

constexpr utf8proc_int32_t kEmojiPresentation = 0xFE0F;  // VARIATION SELECTOR-16

// What a terminal draws as one unit: a grapheme cluster (a base character with its
// combining marks, a ZWJ sequence, a flag), or one invalid byte.
struct Cluster {
  std::size_t length;  ///< Bytes it takes.
  int width;           ///< Columns.
};

// Calls `visit(Cluster)` for each cluster of `text` in order, allocating nothing: the live
// display measures every line of every frame.
//
// utf8proc's widths follow Unicode's East Asian Width and Emoji_Presentation (U+2705 and
// U+26A1 are 2, combining marks and controls 0). A ZWJ sequence counts the sum of its parts:
// terminals that join it draw fewer columns, tmux draws them all, and too wide only leaves a
// column unused where too narrow wraps the line (and then the live area's cursor-up misses a
// row). VS16 asks for the emoji form of a text character ("❤️"), which terminals draw two
// columns wide. Invalid UTF-8 is one column per byte, as a terminal shows it ('?').
template <class Visit>
void for_each_cluster(std::string_view text, Visit&& visit) {
  std::size_t start = 0;
  int width = 0;
  bool emoji_form = false;
  utf8proc_int32_t previous = -1;  // the cluster's last code point; -1 when none is open
  utf8proc_int32_t state = 0;
  auto close = [&](std::size_t end) {
    if (previous >= 0) visit(Cluster{end - start, emoji_form ? std::max(width, 2) : width});
    start = end;
    width = 0;
    emoji_form = false;
    previous = -1;
    state = 0;
  };
  std::size_t at = 0;
  while (at < text.size()) {
    utf8proc_int32_t point = static_cast<unsigned char>(text[at]);
    utf8proc_ssize_t length = 1;
    if (point >= 0x80) {
      length = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                                static_cast<utf8proc_ssize_t>(text.size() - at), &point);
    }
    if (length <= 0 || point < 0) {
      close(at);
      visit(Cluster{1, 1});
      start = ++at;
      continue;
    }
    // Between two ASCII characters there is always a break but inside CR LF.
    bool ascii_pair = previous >= 0 && previous < 0x80 && point < 0x80;
    if (previous >= 0 && (ascii_pair ? !(previous == '\r' && point == '\n')
                                     : utf8proc_grapheme_break_stateful(previous, point, &state))) {
      close(at);
    }
    width += point < 0x80 ? (point >= 0x20 && point < 0x7f ? 1 : 0) : std::max(0, utf8proc_charwidth(point));
    emoji_form = emoji_form || point == kEmojiPresentation;
    previous = point;
    at += static_cast<std::size_t>(length);
  }
  close(at);
}

}  // namespace

int display_width(std::string_view text) {
  // Most names are printable ASCII, a column a byte: the live display measures every line
  // of every frame.
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
    return static_cast<int>(text.size());
  int width = 0;
  for_each_cluster(text, [&](const Cluster& cluster) { width += cluster.width; });
  return width;
}

std::string elide_middle(std::string_view text, int width, bool utf8) {
  if (display_width(text) <= width) return std::string(text);
  const std::string_view ellipsis = utf8 ? "\xE2\x80\xA6" : "...";
  const int ellipsis_width = utf8 ? 1 : 3;
  if (width <= ellipsis_width)
    return std::string(ellipsis.substr(0, static_cast<std::size_t>(std::max(width, 0))));
  int budget = width - ellipsis_width;
  int head_budget = (budget + 1) / 2;
  int tail_budget = budget - head_budget;

  // Cut between clusters only: never a base from its accent, nor half of a flag.
  std::vector<Cluster> parts;
  for_each_cluster(text, [&](const Cluster& cluster) { parts.push_back(cluster); });
  std::size_t head_bytes = 0;
  int used = 0;
  for (const Cluster& cluster : parts) {
    if (used + cluster.width > head_budget) break;
    used += cluster.width;
    head_bytes += cluster.length;
  }
  std::size_t tail_bytes = 0;
  used = 0;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (used + it->width > tail_budget) break;
    used += it->width;
    tail_bytes += it->length;
  }
  std::string out(text.substr(0, head_bytes));
  out += ellipsis;
  out += text.substr(text.size() - tail_bytes);
  return out;
}

int terminal_rows(std::string_view text, int columns) {
  columns = std::max(columns, 1);
  int rows = 0;
  for (;;) {
    std::size_t end = text.find('\n');
    int width = display_width(text.substr(0, end));
    rows += std::max(1, (width + columns - 1) / columns);
    if (end == std::string_view::npos) return rows;
    text.remove_prefix(end + 1);
  }
}

std::string pad_right(std::string text, int width) {
  int missing = width - display_width(text);
  if (missing > 0) text.append(static_cast<std::size_t>(missing), ' ');
  return text;
}

}  // namespace fetchpool::progress
