#include "cli/input_list.h"

#include <algorithm>
#include <ostream>

#include "fetchpool/engine.h"
#include "progress/format.h"

namespace fetchpool::cli {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string trim(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_blank(text[begin])) ++begin;
  while (end > begin && is_blank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// aria2 writes "checksum=sha-256=HEX"; fetchpool's own form is "sha256:HEX". Accept both.
std::string normalise_checksum(const std::string& value) {
  if (value.find(':') != std::string::npos) return value;
  std::size_t equals = value.find('=');
  if (equals == std::string::npos) return value;
  return value.substr(0, equals) + ":" + value.substr(equals + 1);
}

// A connection count as aria2 takes it: 1 to 64 (fetchpool's -x range).
bool parse_count(const std::string& text, int* count) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *count = std::stoi(text);
  return *count >= 1 && *count <= 64;
}

// "2M", "500k", "100000": bytes per second (K, M, G in 1024s, as curl's --limit-rate);
// 0 when it is none of these.
std::int64_t parse_rate(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15 || text.size() > digits + 1) return 0;
  std::int64_t value = std::stoll(text.substr(0, digits));
  if (digits == text.size()) return value;
  switch (text[digits]) {
    case 'k':
    case 'K': return value << 10;
    case 'm':
    case 'M': return value << 20;
    case 'g':
    case 'G': return value << 30;
    default: return 0;
  }
}

}  // namespace

namespace {

/// What a message may quote of a bad option line: its first word, up to a ':', '=' or
/// blank. A header written without `header=` ("Authorization: Bearer ...") must not have
/// its secret echoed into stderr and the report.
std::string quotable_part(const std::string& option) {
  std::size_t end = option.find_first_of(":= \t");
  std::string word = option.substr(0, end);
  return progress::cut_for_message(word) + (end == std::string::npos ? "" : "...");
}

}  // namespace

void InputListParser::apply_option(const std::string& line, InputEntry* entry) {
  std::string option = trim(line);
  std::size_t equals = option.find('=');
  if (equals == std::string::npos) {
    if (entry->error.empty()) {
      entry->error = "line " + std::to_string(line_number_) + ": option '" + quotable_part(option) +
                     "' is not NAME=VALUE (a header is written header=Name: value)";
    }
    return;
  }
  std::string name = option.substr(0, equals);
  std::string value = option.substr(equals + 1);
  if (name == "out") {
    entry->out = value;
  } else if (name == "dir") {
    entry->dir = value;
  } else if (name == "header") {
    entry->headers.push_back(value);
  } else if (name == "checksum") {
    entry->checksum = normalise_checksum(value);
  } else if (name == "split" || name == "max-connection-per-server") {
    int connections = 0;
    if (!parse_count(value, &connections)) {
      if (entry->error.empty())
        entry->error = "line " + std::to_string(line_number_) + ": " + name + "=" +
                       progress::cut_for_message(value) + " is not a number of connections from 1 to 64";
      return;
    }
    entry->connections = entry->connections ? std::min(*entry->connections, connections) : connections;
  } else if (name == "limit-rate" || name == "max-download-limit") {
    std::int64_t rate = parse_rate(value);
    if (rate <= 0) {
      if (entry->error.empty())
        entry->error = "line " + std::to_string(line_number_) + ": " + name + "=" +
                       progress::cut_for_message(value) +
                       " is not a rate: give bytes per second, as 500K or 2M";
      return;
    }
    entry->max_bytes_per_s = rate;
  } else if (name == "referer") {
    entry->referer = value;
  } else if (name == "user-agent") {
    entry->user_agent = value;
  } else if (entry->error.empty()) {
    entry->error =
        "line " + std::to_string(line_number_) + ": unknown option '" + quotable_part(name) + "' for " +
        progress::cut_for_message(redact_url(entry->url)) +
        " (known: out, dir, header, checksum, split, max-connection-per-server, referer, user-agent, "
        "limit-rate)";
  }
}

void InputListParser::start_entry(const std::string& content) {
  current_ = InputEntry{};
  current_.line = line_number_;
  state_ = State::in_entry;
  // aria2's mirrors: several URIs of the same file on one line, separated by tabs.
  for (std::size_t start = 0; start <= content.size();) {
    std::size_t tab = content.find('\t', start);
    if (tab == std::string::npos) tab = content.size();
    std::string uri = trim(content.substr(start, tab - start));
    if (!uri.empty())
      (current_.url.empty() ? current_.url : current_.mirrors.emplace_back()) = std::move(uri);
    start = tab + 1;
  }
  if (current_.url.find(' ') != std::string::npos ||
      std::any_of(current_.mirrors.begin(), current_.mirrors.end(),
                  [](const std::string& uri) { return uri.find(' ') != std::string::npos; })) {
    current_.error = "line " + std::to_string(current_.line) +
                     ": a URL with a space in it: write %20, and separate the mirrors of one file with a tab";
  }
}

bool InputListParser::feed(std::string line, InputEntry* done) {
  ++line_number_;
  if (line_number_ == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::string content = trim(line);
  if (content.empty() || content[0] == '#') return false;  // blank lines and comments: nothing
  if (is_blank(line[0])) {
    if (state_ == State::in_entry) {
      apply_option(line, &current_);
    } else if (state_ == State::between) {
      // Options with no URL above them: reported once per such block.
      current_ = InputEntry{};
      current_.line = line_number_;
      current_.error = "line " + std::to_string(line_number_) + ": option line without a URL above it";
      state_ = State::in_orphan_options;
    }
    return false;
  }
  const bool ended = finish(done);
  start_entry(content);
  return ended;
}

bool InputListParser::finish(InputEntry* done) {
  if (state_ == State::between) return false;
  *done = std::move(current_);
  current_ = InputEntry{};
  state_ = State::between;
  return true;
}

bool InputListReader::next(InputEntry* entry) {
  std::string line;
  while (std::getline(in_, line)) {
    if (parser_.feed(std::move(line), entry)) return true;
  }
  return parser_.finish(entry);
}

void write_input_entry(std::ostream& out, const InputEntry& entry) {
  out << entry.url;
  for (const std::string& mirror : entry.mirrors) out << '\t' << mirror;
  out << '\n';
  if (!entry.out.empty()) out << "  out=" << entry.out << '\n';
  if (!entry.dir.empty()) out << "  dir=" << entry.dir << '\n';
  for (const std::string& header : entry.headers) out << "  header=" << header << '\n';
  if (!entry.checksum.empty()) out << "  checksum=" << entry.checksum << '\n';
  if (entry.connections) out << "  split=" << *entry.connections << '\n';
  if (!entry.referer.empty()) out << "  referer=" << entry.referer << '\n';
  if (!entry.user_agent.empty()) out << "  user-agent=" << entry.user_agent << '\n';
  if (entry.max_bytes_per_s) out << "  limit-rate=" << *entry.max_bytes_per_s << '\n';
}

}  // namespace fetchpool::cli
