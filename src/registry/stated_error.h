#pragma once

#include <string>
#include <string_view>

namespace fetchpool::registry {

/// What a registry or its token service says of an error, from the body of its answer:
/// Registry v2's `{"errors": [{"code", "message"}, ...]}` (MANIFEST_UNKNOWN, NAME_UNKNOWN,
/// DENIED, TOOMANYREQUESTS: Docker Hub's pull rate limit) or OAuth2's `{"error",
/// "error_description"}` (invalid_grant, invalid_request).
struct StatedError {
  std::string code;  ///< The first error's code; empty when the body states none.
  /// For a person: "CODE: message" (several joined by "; "), control characters replaced,
  /// at most about 300 bytes (cut at a character boundary). Empty when none.
  std::string text;
};

StatedError stated_error(std::string_view body);

}  // namespace fetchpool::registry
