#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fetchpool::progress {

/// The lines a live display has on screen, and the text that redraws them in place: what
/// the command line's display and LiveDisplay both write. Each call returns all of one
/// write, so that erase and redraw arrive together and the screen does not flicker.
class LiveArea {
 public:
  /// Replaces the area with `lines`.
  std::string redraw(std::vector<std::string> lines) {
    std::string text = erase_sequence();
    for (const std::string& line : lines) text += line + "\n";
    lines_ = std::move(lines);
    return text;
  }
  /// Prints `line` above the area, and the area again below it.
  std::string print_above(std::string_view line) const {
    std::string text = erase_sequence();
    text.append(line);
    text += '\n';
    for (const std::string& live : lines_) text += live + "\n";
    return text;
  }
  /// Rows the area takes (its lines never wrap).
  std::size_t height() const { return lines_.size(); }
  /// Removes the area ("" when there is none).
  std::string erase() {
    std::string text = erase_sequence();
    lines_.clear();
    return text;
  }

 private:
  /// Up to the area's first line, then clear to the end of the screen.
  std::string erase_sequence() const {
    return lines_.empty() ? std::string() : "\x1b[" + std::to_string(lines_.size()) + "A\r\x1b[J";
  }

  std::vector<std::string> lines_;  ///< On screen now.
};

}  // namespace fetchpool::progress
