#include "http/proxy.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "http/url.h"

namespace fetchpool::http {
namespace {

struct Case {
  const char* host;
  const char* list;
  bool bypassed;
};

// curl's rules (lib/noproxy.c), one case each.
TEST(NoProxy, MatchesAsCurlDoes) {
  const Case cases[] = {
      {"example.com", "example.com", true},
      {"www.example.com", "example.com", true},
      {"www.example.com", ".example.com", true},
      {"nonexample.com", "example.com", false},
      {"example.com", "www.example.com", false},
      {"EXAMPLE.com", "example.COM", true},
      {"example.com.", "example.com", true},
      {"example.com", "example.com.", true},
      {"a.b", "x, y ,a.b", true},
      {"a.b", "x y a.b", true},
      {"a.b", ",,a.b,,", true},
      {"anything", "*", true},
      {"anything", " * ", true},
      {"anything", "*.x", false},
      {"host", "", false},
      {"localhost", "localhost:8080", false},  // no ports
      {"127.0.0.1", "127.0.0.1", true},
      {"127.0.0.1", "127.0.0.0/8", true},
      {"128.0.0.1", "127.0.0.0/8", false},
      {"10.1.2.3", "10.1.0.0/16", true},
      {"10.2.2.3", "10.1.0.0/16", false},
      {"127.0.0.1", "127.0.0.2", false},
      {"127.0.0.1", "127.0.0.1/33", false},
      {"127.0.0.1", "localhost", false},  // no lookups
      {"127.0.0.1", "0.0.0.1", false},    // no suffix match for addresses
      {"[::1]", "::1", true},
      {"[::1]", "::2", false},
      {"[2001:db8::5]", "2001:db8::/32", true},
      {"[2001:db9::5]", "2001:db8::/32", false},
      {"[::ffff:10.0.0.1]", "::ffff:10.0.0.0/120", true},
      {"[fe80::1:2:3:4]", "fe80:0:0:0:1:2:3:4", true},
      {"[::1]", "localhost", false},
  };
  for (const Case& c : cases)
    EXPECT_EQ(no_proxy_matches(c.host, c.list), c.bypassed) << c.host << " against '" << c.list << "'";
}

ParsedUrl url_of(const std::string& text) {
  ParsedUrl url;
  std::string error;
  EXPECT_TRUE(parse_url(text, &url, &error)) << error;
  return url;
}

struct FakeEnvironment {
  std::map<std::string, std::string> values;
  ProxyRules::Lookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = values.find(name);
      return it == values.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(ProxyRules, ReadTheEnvironmentAsCurl) {
  FakeEnvironment env{{{"http_proxy", "http://p1:3128"},
                       {"HTTP_PROXY", "http://never:1"},
                       {"HTTPS_PROXY", "http://u:secret@p2:3128"},
                       {"NO_PROXY", "internal.example, 10.0.0.0/8"}}};
  ProxyRules rules = ProxyRules::resolve(std::nullopt, std::nullopt, env.lookup());
  EXPECT_EQ(rules.choose(url_of("http://a.example/x")).url, "http://p1:3128");
  EXPECT_EQ(rules.choose(url_of("http://a.example/x")).source, "http_proxy");
  ProxyChoice https = rules.choose(url_of("https://a.example/x"));
  EXPECT_EQ(https.url, "http://u:secret@p2:3128");
  EXPECT_EQ(https.shown(), "http://p2:3128 (from HTTPS_PROXY)") << "never the password";
  EXPECT_TRUE(rules.choose(url_of("https://git.internal.example/x")).direct());
  EXPECT_TRUE(rules.choose(url_of("http://10.3.4.5:8080/x")).direct());
  EXPECT_FALSE(rules.choose(url_of("http://11.3.4.5/x")).direct());
}

TEST(ProxyRules, UpperCaseHttpProxyIsNeverRead) {
  FakeEnvironment env{{{"HTTP_PROXY", "http://never:1"}}};
  EXPECT_TRUE(
      ProxyRules::resolve(std::nullopt, std::nullopt, env.lookup()).choose(url_of("http://h/")).direct());
}

TEST(ProxyRules, AllProxyIsTheFallbackAndAnEmptyValueMeansDirect) {
  FakeEnvironment env{{{"ALL_PROXY", "socks5h://s:1080"}, {"https_proxy", ""}}};
  ProxyRules rules = ProxyRules::resolve(std::nullopt, std::nullopt, env.lookup());
  EXPECT_EQ(rules.choose(url_of("http://h/")).url, "socks5h://s:1080");
  EXPECT_TRUE(rules.choose(url_of("https://h/")).direct()) << "set but empty: no proxy, no fallback";
}

TEST(ProxyRules, LowerCaseNoProxyHidesTheUpperCaseOne) {
  FakeEnvironment env{{{"http_proxy", "http://p:1"}, {"no_proxy", ""}, {"NO_PROXY", "*"}}};
  EXPECT_FALSE(
      ProxyRules::resolve(std::nullopt, std::nullopt, env.lookup()).choose(url_of("http://h/")).direct());
}

TEST(ProxyRules, OptionsWinOverTheEnvironment) {
  FakeEnvironment env{{{"http_proxy", "http://env:1"}, {"NO_PROXY", "*"}}};
  ProxyRules rules =
      ProxyRules::resolve(std::string("http://opt:2"), std::string("skip.example"), env.lookup(), "--proxy");
  ProxyChoice choice = rules.choose(url_of("https://h/"));
  EXPECT_EQ(choice.url, "http://opt:2");
  EXPECT_EQ(choice.shown(), "http://opt:2 (from --proxy)");
  EXPECT_TRUE(rules.choose(url_of("http://a.skip.example/")).direct());
  EXPECT_TRUE(
      ProxyRules::resolve(std::string(), std::nullopt, env.lookup()).choose(url_of("http://h/")).direct())
      << "an empty proxy option: none, whatever the environment says";
}

TEST(RedactProxy, DropsUserinfo) {
  EXPECT_EQ(redact_proxy("http://u:p@h:1"), "http://h:1");
  EXPECT_EQ(redact_proxy("u:p@h:1"), "h:1");
  EXPECT_EQ(redact_proxy("http://u:p@ss@h:1"), "http://h:1");
  EXPECT_EQ(redact_proxy("h:3128"), "h:3128");
}

}  // namespace
}  // namespace fetchpool::http
