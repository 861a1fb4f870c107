#pragma once

#include <string>
#include <string_view>

namespace fetchpool::http {

/// Whether a header's value is a credential, by its name: Authorization,
/// Proxy-Authorization, Cookie, Set-Cookie, and any name that speaks of a token, key,
/// secret, password, session or signature (Private-Token, X-Api-Key, X-JFrog-Art-Api,
/// X-Amz-Security-Token). The challenges (WWW-Authenticate, Proxy-Authenticate) are not.
bool is_credential_header(std::string_view name);

/// "Name: value" as it may be shown: the value replaced by "[redacted]" when
/// is_credential_header(Name). A line without a colon (a request or status line) is kept.
std::string redact_header_line(std::string_view line);

}  // namespace fetchpool::http
