#include "registry/auth_challenge.h"

#include "text/ascii.h"

namespace fetchpool::registry {
using text::lower;
using text::trim;

AuthChallenge parse_auth_challenge(std::string_view challenge) {
  AuthChallenge parsed;
  std::size_t space = challenge.find(' ');
  parsed.scheme = lower(challenge.substr(0, space));
  std::size_t at = space == std::string_view::npos ? challenge.size() : space + 1;
  while (at < challenge.size()) {
    std::size_t equals = challenge.find('=', at);
    if (equals == std::string_view::npos) break;
    std::string key = lower(trim(challenge.substr(at, equals - at)));
    std::string value;
    at = equals + 1;
    if (at < challenge.size() && challenge[at] == '"') {  // a quoted value may hold commas
      std::size_t close = challenge.find('"', at + 1);
      if (close == std::string_view::npos) close = challenge.size();
      value = std::string(challenge.substr(at + 1, close - at - 1));
      at = close + 1;
    } else {
      std::size_t comma = challenge.find(',', at);
      value = std::string(trim(challenge.substr(at, comma == std::string_view::npos ? comma : comma - at)));
      at = comma == std::string_view::npos ? challenge.size() : comma;
    }
    at = challenge.find_first_not_of(", ", at);
    if (at == std::string_view::npos) at = challenge.size();
    parsed.parameters[key] = value;
  }
  return parsed;
}

}  // namespace fetchpool::registry
