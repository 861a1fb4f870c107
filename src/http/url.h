#pragma once

#include <string>
#include <string_view>

namespace fetchpool::http {

/// The parts of an absolute http(s) URL that the engine needs.
struct ParsedUrl {
  std::string scheme;    ///< "http" or "https", lower case.
  std::string host;      ///< As in the URL: a name, an IPv4 address or a [bracketed] IPv6 one.
  std::string host_key;  ///< "scheme://host:port": what per-host limits count by.
  std::string path;      ///< Raw (still percent-encoded) path, "/" at least.
  std::string redacted;  ///< The URL without user:password, for messages and reports.
  /// The URL's own user and password, decoded; empty when none. Never printed.
  std::string user;
  std::string password;
};

/// Parses `url`; on failure returns false and sets `error` to a sentence for a person.
/// Only http and https are accepted.
bool parse_url(std::string_view url, ParsedUrl* out, std::string* error);

/// Whether a redirect from the origin `from_host_key` ("scheme://host:port") to `target`
/// (nullptr: one that does not parse) may take what is the origin's alone (credentials,
/// the headers a user added, a POST's body): to the same origin, or to any with
/// `trust_any_origin` (--location-trusted), and never from https to something else.
bool redirect_keeps_trust(std::string_view from_host_key, const ParsedUrl* target, bool trust_any_origin);

/// `url` with any user:password removed, cut from the text before parsing: the RFC 3986
/// userinfo (up to the authority's last '@'); when what is left does not parse, everything
/// from "://" to the last '@' (a password with an unescaped '/', '?' or '#'). A URL that
/// parses comes back in libcurl's normal form.
std::string redact_url(std::string_view url);

}  // namespace fetchpool::http
