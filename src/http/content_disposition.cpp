#include "http/content_disposition.h"

#include <algorithm>
#include <optional>

#include "text/ascii.h"

namespace fetchpool::http {
namespace {

using text::lower;
using text::trim;

// One parameter's value at the start of `rest` (a token up to ';', or a quoted string with
// its backslash escapes undone); `rest` moves past it.
std::string take_value(std::string_view* rest) {
  std::string value;
  if (!rest->empty() && rest->front() == '"') {
    std::size_t i = 1;
    for (; i < rest->size() && (*rest)[i] != '"'; ++i) {
      if ((*rest)[i] == '\\' && i + 1 < rest->size()) ++i;
      value.push_back((*rest)[i]);
    }
    rest->remove_prefix(std::min(i + 1, rest->size()));
    std::size_t semicolon = rest->find(';');
    rest->remove_prefix(semicolon == std::string_view::npos ? rest->size() : semicolon);
    return value;
  }
  std::size_t semicolon = rest->find(';');
  value = std::string(trim(rest->substr(0, semicolon)));
  rest->remove_prefix(semicolon == std::string_view::npos ? rest->size() : semicolon);
  return value;
}

// RFC 8187's ext-value: CHARSET'LANGUAGE'PERCENT-ENCODED; nullopt when malformed or in a
// charset other than UTF-8 and ISO-8859-1.
std::optional<std::string> decode_extended(std::string_view value) {
  std::size_t first = value.find('\'');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = value.find('\'', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string charset = lower(value.substr(0, first));
  if (charset != "utf-8" && charset != "iso-8859-1") return std::nullopt;
  std::string bytes;
  std::string_view encoded = value.substr(second + 1);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      bytes.push_back(encoded[i]);
      continue;
    }
    if (i + 2 >= encoded.size()) return std::nullopt;
    int high = text::hex_digit_value(encoded[i + 1]);
    int low = text::hex_digit_value(encoded[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  if (charset == "utf-8") return bytes;
  std::string utf8;  // ISO-8859-1: each byte is the code point of the same number
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      utf8.push_back(c);
    } else {
      utf8.push_back(static_cast<char>(0xc0 | (byte >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (byte & 0x3f)));
    }
  }
  return utf8;
}

}  // namespace

std::string content_disposition_filename(std::string_view value) {
  std::string plain;
  std::optional<std::string> extended;
  std::size_t semicolon = value.find(';');  // the disposition type comes first
  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : value.substr(semicolon);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the ';'
    rest = trim(rest);
    std::size_t equals = rest.find('=');
    std::size_t next = rest.find(';');
    if (equals == std::string_view::npos || (next != std::string_view::npos && next < equals)) {
      rest.remove_prefix(next == std::string_view::npos ? rest.size() : next);
      continue;
    }
    std::string name = lower(trim(rest.substr(0, equals)));
    rest.remove_prefix(equals + 1);
    rest = trim(rest);
    std::string parameter = take_value(&rest);
    if (name == "filename*" && !extended) {
      extended = decode_extended(parameter);
    } else if (name == "filename" && plain.empty()) {
      plain = std::move(parameter);
    }
  }
  return extended ? *extended : plain;
}

}  // namespace fetchpool::http
