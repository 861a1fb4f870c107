#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fetchpool::http {

struct ParsedUrl;

/// The proxy one request goes through, or none.
struct ProxyChoice {
  std::string url;     ///< As given to libcurl ("" : direct). May hold user:password.
  std::string source;  ///< Where it came from, for messages: "https_proxy", "--proxy", ...
  bool direct() const { return url.empty(); }
  /// "http://proxy:3128 (from https_proxy)", without any user:password.
  std::string shown() const;
};

/// The proxy settings of an engine, read once: the options where given, else the
/// environment as curl reads it. The engine decides each request's proxy itself, so that
/// what it names in a message is what libcurl used.
class ProxyRules {
 public:
  using Lookup = std::function<const char*(const char*)>;

  /// `proxy` for every scheme when set ("" : none); `no_proxy` when set, else NO_PROXY.
  /// `explicit_name` names the option in messages ("--proxy", "EngineOptions::proxy").
  static ProxyRules resolve(const std::optional<std::string>& proxy,
                            const std::optional<std::string>& no_proxy, const Lookup& getenv,
                            std::string explicit_name = "the proxy option");

  ProxyChoice choose(const ParsedUrl& url) const;

 private:
  ProxyChoice http_;
  ProxyChoice https_;
  std::string no_proxy_;
};

/// curl's NO_PROXY rule: `list` is names, IPv4 or IPv6 addresses (optionally with /bits)
/// separated by commas or blanks, or "*" for all. A name matches the host and any host
/// beneath it (a leading or trailing dot is ignored); an address matches by its CIDR
/// range; no port. `host` as in a URL: a name, an IPv4 address or a bracketed IPv6 one.
bool no_proxy_matches(std::string_view host, std::string_view list);

/// `proxy` with any user:password removed ("http://u:p@h:3128" -> "http://h:3128").
std::string redact_proxy(std::string_view proxy);

}  // namespace fetchpool::http
