#include "registry/reference.h"

#include <algorithm>
#include <cctype>

namespace fetchpool::registry {
namespace {

constexpr std::string_view kDockerHub = "docker.io";

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A path component: lower-case letters and digits, joined by '.', '_', '__' or dashes.
bool is_valid_component(std::string_view component) {
  if (component.empty() || !is_lower_alnum(component.front()) || !is_lower_alnum(component.back()))
    return false;
  for (std::size_t i = 0; i < component.size(); ++i) {
    char c = component[i];
    if (is_lower_alnum(c) || c == '-') continue;
    if (c == '.' || c == '_') {
      // One '.', one '_' or two '_' between alphanumerics.
      bool double_underscore = c == '_' && i + 1 < component.size() && component[i + 1] == '_';
      std::size_t next = i + (double_underscore ? 2 : 1);
      if (next >= component.size() || !is_lower_alnum(component[next])) return false;
      i = next - 1;
      continue;
    }
    return false;
  }
  return true;
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

bool is_valid_digest(std::string_view digest) {
  std::size_t colon = digest.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  std::size_t expected = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
  return expected != 0 && hex.size() == expected && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Docker's rule: the first component names a registry when it has a '.' or a ':' or is
// "localhost"; otherwise the image is on Docker Hub.
bool looks_like_registry(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

}  // namespace

std::string ImageReference::api_host() const {
  return registry == kDockerHub ? "registry-1.docker.io" : registry;
}

std::string ImageReference::manifest_reference() const {
  return digest.empty() ? tag : digest;
}

std::string ImageReference::familiar_name() const {
  std::string name = repository;
  if (registry == kDockerHub) {
    if (name.rfind("library/", 0) == 0) name = name.substr(8);
  } else {
    name = registry + "/" + name;
  }
  return tag.empty() ? name : name + ":" + tag;
}

bool ImageReference::is_loopback() const {
  std::string host = registry;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);  // "[::1]:5000"
  } else if (std::size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool parse_image_reference(std::string_view text, ImageReference* reference, std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = "invalid image reference '" + std::string(text) + "': " + why;
    return false;
  };
  if (text.empty()) return fail("it is empty");
  ImageReference parsed;
  std::string_view rest = text;
  if (std::size_t at = rest.find('@'); at != std::string_view::npos) {
    parsed.digest = std::string(rest.substr(at + 1));
    if (!is_valid_digest(parsed.digest))
      return fail("the digest must be sha256:<64 hex> or sha512:<128 hex>");
    rest = rest.substr(0, at);
  }
  std::size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos && looks_like_registry(rest.substr(0, first_slash))) {
    parsed.registry = std::string(rest.substr(0, first_slash));
    rest = rest.substr(first_slash + 1);
  } else {
    parsed.registry = std::string(kDockerHub);
  }
  if (parsed.registry == "index.docker.io" || parsed.registry == "registry-1.docker.io")
    parsed.registry = std::string(kDockerHub);
  // A tag follows the last ':' after the last '/' (a registry's port was taken off above).
  std::size_t last_slash = rest.rfind('/');
  std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    parsed.tag = std::string(rest.substr(colon + 1));
    if (!is_valid_tag(parsed.tag))
      return fail("the tag may hold letters, digits, '_', '.' and '-' (128 at most)");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return fail("it names no repository");
  for (std::size_t start = 0;;) {
    std::size_t slash = rest.find('/', start);
    std::string_view component = rest.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!is_valid_component(component)) {
      bool upper = std::any_of(component.begin(), component.end(),
                               [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
      return fail(upper ? "repository names must be lower case"
                        : "'" + std::string(component) + "' is not a valid repository name part");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  parsed.repository = std::string(rest);
  if (parsed.registry == kDockerHub && parsed.repository.find('/') == std::string::npos)
    parsed.repository = "library/" + parsed.repository;
  if (parsed.tag.empty() && parsed.digest.empty()) parsed.tag = "latest";
  *reference = std::move(parsed);
  return true;
}

}  // namespace fetchpool::registry
