#include "registry/stated_error.h"

#include <nlohmann/json.hpp>

#include "text/server_text.h"

namespace fetchpool::registry {
namespace {

constexpr std::size_t kMaxText = 300;
constexpr std::size_t kMaxErrors = 3;

std::string string_field(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string()
             ? object[key].get<std::string>()
             : std::string();
}

// Printable on one line and short: a server's words go into an error message on a terminal.
std::string printable(const std::string& text) {
  return text::quote_server_text(text, kMaxText, ' ');
}

}  // namespace

StatedError stated_error(std::string_view body) {
  StatedError stated;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return stated;
  if (json.contains("errors") && json["errors"].is_array()) {
    std::string text;
    std::size_t listed = 0;
    for (const auto& error : json["errors"]) {
      const std::string code = string_field(error, "code"), message = string_field(error, "message");
      if (code.empty() && message.empty()) continue;
      if (stated.code.empty()) stated.code = code;
      if (listed++ == kMaxErrors) break;
      text += (text.empty() ? "" : "; ") + code + (code.empty() || message.empty() ? "" : ": ") + message;
    }
    stated.text = printable(text);
    return stated;
  }
  stated.code = string_field(json, "error");
  if (stated.code.empty()) return stated;
  const std::string description = string_field(json, "error_description");
  stated.text = printable(stated.code + (description.empty() ? "" : ": " + description));
  return stated;
}

}  // namespace fetchpool::registry
