#pragma once

// Text a server chose (a header value, an error's JSON), as a message may quote it: a
// server decides what it sends, and a message goes to a terminal.

#include <cstddef>
#include <string>
#include <string_view>

namespace fetchpool::text {

/// `text` with each control byte shown as `control_as`, whole up to `max_bytes`, else its
/// first `max_bytes` or fewer (never splitting a UTF-8 character) + "...".
std::string quote_server_text(std::string_view text, std::size_t max_bytes, char control_as = '?');

}  // namespace fetchpool::text
