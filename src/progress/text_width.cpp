#include "progress/text_width.h"

#include <vector>

namespace fetchpool::progress {
namespace {

struct CodePoint {
  char32_t value;
  std::size_t length;  ///< Bytes it takes.
};

// Decodes one UTF-8 sequence at `text`; an invalid byte is returned as itself, length 1.
CodePoint decode(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  std::size_t length = lead < 0x80           ? 1
                       : (lead >> 5) == 0x6  ? 2
                       : (lead >> 4) == 0xe  ? 3
                       : (lead >> 3) == 0x1e ? 4
                                             : 0;
  if (length == 0 || length > text.size()) return {lead, 1};
  char32_t value = length == 1   ? lead
                   : length == 2 ? (lead & 0x1f)
                   : length == 3 ? (lead & 0x0f)
                                 : (lead & 0x07);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return {lead, 1};
    value = (value << 6) | (byte(i) & 0x3f);
  }
  return {value, length};
}

int width_of(char32_t c) {
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return 0;
  if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || c == 0xfe0f)
    return 0;  // combining, ZW, VS16
  bool wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
              (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
              (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
              (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x1f680 && c <= 0x1f6ff) ||
              (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}

}  // namespace

int display_width(std::string_view text) {
  int width = 0;
  while (!text.empty()) {
    CodePoint point = decode(text);
    width += width_of(point.value);
    text.remove_prefix(point.length);
  }
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

  std::vector<CodePoint> points;
  for (std::string_view rest = text; !rest.empty();) {
    points.push_back(decode(rest));
    rest.remove_prefix(points.back().length);
  }
  std::size_t head_bytes = 0;
  int used = 0;
  for (const CodePoint& point : points) {
    int w = width_of(point.value);
    if (used + w > head_budget) break;
    used += w;
    head_bytes += point.length;
  }
  std::size_t tail_bytes = 0;
  used = 0;
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    int w = width_of(it->value);
    if (used + w > tail_budget) break;
    used += w;
    tail_bytes += it->length;
  }
  std::string out(text.substr(0, head_bytes));
  out += ellipsis;
  out += text.substr(text.size() - tail_bytes);
  return out;
}

std::string pad_right(std::string text, int width) {
  int missing = width - display_width(text);
  if (missing > 0) text.append(static_cast<std::size_t>(missing), ' ');
  return text;
}

}  // namespace fetchpool::progress
