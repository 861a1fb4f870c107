#include "text/server_text.h"

namespace fetchpool::text {

std::string quote_server_text(std::string_view text, std::size_t max_bytes, char control_as) {
  std::size_t keep = text.size();
  if (keep > max_bytes) {
    keep = max_bytes;
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80)
      --keep;  // not inside a character
  }
  std::string out(text.substr(0, keep));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = control_as;
  }
  return keep < text.size() ? out + "..." : out;
}

}  // namespace fetchpool::text
