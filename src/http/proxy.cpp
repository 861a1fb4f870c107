#include "http/proxy.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "http/url.h"
#include "text/ascii.h"

namespace fetchpool::http {
namespace {

template <std::size_t N>
using Address = std::array<std::uint8_t, N>;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Dotted-quad IPv4, as inet_pton reads it: four decimal parts, no leading zeros.
bool parse_ipv4(std::string_view text, std::uint8_t* out) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text.front() != '.') return false;
      text.remove_prefix(1);
    }
    std::size_t digits = 0;
    unsigned value = 0;
    while (digits < text.size() && is_digit(text[digits]) && digits < 4)
      value = value * 10 + static_cast<unsigned>(text[digits++] - '0');
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text[0] == '0')) return false;
    out[part] = static_cast<std::uint8_t>(value);
    text.remove_prefix(digits);
  }
  return text.empty();
}

/// RFC 4291 text: eight groups of up to four hex digits, one "::" for a run of zeros, and
/// optionally a dotted IPv4 address as the last 32 bits.
bool parse_ipv6(std::string_view text, Address<16>* out) {
  Address<16> bytes{};
  std::size_t at = 0;  // bytes written
  std::optional<std::size_t> gap;
  if (text.substr(0, 2) == "::") {
    gap = 0;
    text.remove_prefix(2);
  }
  while (!text.empty()) {
    std::size_t digits = 0;
    unsigned value = 0;
    while (digits < text.size() && text::hex_digit_value(text[digits]) >= 0 && digits < 5)
      value = value * 16 + static_cast<unsigned>(text::hex_digit_value(text[digits++]));
    if (digits < text.size() && text[digits] == '.') {  // the embedded IPv4 ends it
      if (at + 4 > 16 || !parse_ipv4(text, bytes.data() + at)) return false;
      at += 4;
      text = {};
      break;
    }
    if (digits == 0 || digits > 4 || at + 2 > 16) return false;
    bytes[at++] = static_cast<std::uint8_t>(value >> 8);
    bytes[at++] = static_cast<std::uint8_t>(value & 0xff);
    text.remove_prefix(digits);
    if (text.empty()) break;
    if (text.substr(0, 2) == "::") {
      if (gap) return false;
      gap = at;
      text.remove_prefix(2);
    } else if (text.front() == ':' && text.size() > 1) {
      text.remove_prefix(1);
    } else {
      return false;
    }
  }
  if (gap) {
    if (at == 16) return false;
    const std::size_t tail = at - *gap;
    for (std::size_t i = 0; i < tail; ++i) bytes[15 - i] = bytes[at - 1 - i];
    for (std::size_t i = *gap; i < 16 - tail; ++i) bytes[i] = 0;
  } else if (at != 16) {
    return false;
  }
  *out = bytes;
  return true;
}

template <std::size_t N>
bool same_prefix(const Address<N>& a, const Address<N>& b, unsigned bits) {
  for (std::size_t i = 0; i < N && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

/// `token` ("10.0.0.0/8", "::1") against an address; bits 0 or absent: the whole address.
template <std::size_t N, typename Parse>
bool address_matches(const Address<N>& host, std::string_view token, Parse parse) {
  unsigned bits = N * 8;
  if (std::size_t slash = token.find('/'); slash != std::string_view::npos) {
    std::string_view digits = token.substr(slash + 1);
    token = token.substr(0, slash);
    unsigned value = 0;
    for (char c : digits) {
      if (!is_digit(c) || value > N * 8) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > N * 8) return false;
    if (value > 0) bits = value;
  }
  Address<N> network{};
  return parse(token, &network) && same_prefix(host, network, bits);
}

bool name_matches(std::string_view name, std::string_view token) {
  if (!token.empty() && token.back() == '.') token.remove_suffix(1);
  if (!token.empty() && token.front() == '.') token.remove_prefix(1);
  if (token.empty() || token.size() > name.size()) return false;
  if (token.size() == name.size()) return text::equals_ignoring_case(name, token);
  return name[name.size() - token.size() - 1] == '.' &&
         text::equals_ignoring_case(name.substr(name.size() - token.size()), token);
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

ProxyChoice from_environment(const ProxyRules::Lookup& getenv, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (const char* value = getenv(name)) return {value, name};  // set but empty: direct
  return {};
}

}  // namespace

std::string redact_proxy(std::string_view proxy) {
  const std::size_t scheme_end = proxy.find("://");
  const std::size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t at = proxy.rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(proxy);
  return std::string(proxy.substr(0, authority)) + std::string(proxy.substr(at + 1));
}

std::string ProxyChoice::shown() const {
  return redact_proxy(url) + (source.empty() ? std::string() : " (from " + source + ")");
}

bool no_proxy_matches(std::string_view host, std::string_view list) {
  while (!list.empty() && is_blank(list.front())) list.remove_prefix(1);
  while (!list.empty() && is_blank(list.back())) list.remove_suffix(1);
  if (list.empty() || host.empty()) return false;
  if (list == "*") return true;

  Address<4> v4{};
  Address<16> v6{};
  bool is_v4 = false;
  bool is_v6 = false;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    is_v6 = parse_ipv6(host.substr(1, close - 1), &v6);
    if (!is_v6) return false;
  } else if (parse_ipv4(host, v4.data())) {
    is_v4 = true;
  } else if (parse_ipv6(host, &v6)) {
    is_v6 = true;
  } else if (host.back() == '.') {
    host.remove_suffix(1);
  }

  while (!list.empty()) {
    std::size_t end = 0;
    while (end < list.size() && list[end] != ',' && !is_blank(list[end])) ++end;
    const std::string_view token = list.substr(0, end);
    list.remove_prefix(end);
    while (!list.empty() && (list.front() == ',' || is_blank(list.front()))) list.remove_prefix(1);
    if (token.empty()) continue;
    const bool match =
        is_v4   ? address_matches(v4, token,
                                  [](std::string_view t, Address<4>* a) { return parse_ipv4(t, a->data()); })
        : is_v6 ? address_matches(v6, token, parse_ipv6)
                : name_matches(host, token);
    if (match) return true;
  }
  return false;
}

ProxyRules ProxyRules::resolve(const std::optional<std::string>& proxy,
                               const std::optional<std::string>& no_proxy, const Lookup& getenv,
                               std::string explicit_name) {
  ProxyRules rules;
  if (proxy) {
    rules.http_ = {*proxy, explicit_name};
    rules.https_ = rules.http_;
  } else {
    // As libcurl: the lower-case name first; HTTP_PROXY is never read (a CGI program's
    // environment holds the request's "Proxy:" header under that name).
    rules.http_ = from_environment(getenv, {"http_proxy", "all_proxy", "ALL_PROXY"});
    rules.https_ = from_environment(getenv, {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
  }
  if (rules.http_.url.empty()) rules.http_ = {};
  if (rules.https_.url.empty()) rules.https_ = {};
  if (no_proxy) {
    rules.no_proxy_ = *no_proxy;
  } else if (ProxyChoice from_env = from_environment(getenv, {"no_proxy", "NO_PROXY"});
             !from_env.source.empty()) {
    rules.no_proxy_ = from_env.url;
  }
  return rules;
}

ProxyChoice ProxyRules::choose(const ParsedUrl& url) const {
  const ProxyChoice& proxy = url.scheme == "https" ? https_ : http_;
  if (proxy.direct() || no_proxy_matches(url.host, no_proxy_)) return {};
  return proxy;
}

}  // namespace fetchpool::http
