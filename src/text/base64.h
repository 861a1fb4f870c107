#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fetchpool::text {

/// Standard base64 (RFC 4648, with padding): Basic auth, Docker's config.json, digests.
std::string base64_encode(std::string_view bytes);
/// The bytes of `text`, which ends at its first '=' (padding); nullopt when it holds a
/// character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fetchpool::text
