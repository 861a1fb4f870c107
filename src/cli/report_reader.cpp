#include "cli/report_reader.h"

#include <filesystem>
#include <fstream>
#include <string_view>

namespace fetchpool::cli {
namespace {

using nlohmann::json;

/// The first line ReportWriter writes.
constexpr std::string_view kFirstLine = "{\"transfers\": [";
constexpr std::string_view kSummaryStart = "\"summary\": ";

std::string not_a_report(const std::string& path) {
  return "'" + path + "' is not a fetchpool --report file ({\"transfers\": [...], \"summary\": {...}})";
}

/// ReportWriter's layout: the first line, a line per entry ("  {...}," and "  {...}" for
/// the last), "]," and "\"summary\": {...}}".
bool read_line_by_line(std::istream& in, const std::string& path,
                       const std::function<void(const json&)>& on_entry, json* summary, std::string* error) {
  std::string line;
  bool summary_seen = false;
  while (std::getline(in, line)) {
    std::string_view text(line);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty() || text == "],") continue;
    if (text.starts_with(kSummaryStart) && text.ends_with("}}")) {
      text.remove_prefix(kSummaryStart.size());
      text.remove_suffix(1);  // the report's own closing brace
      *summary = json::parse(text, nullptr, false);
      summary_seen = true;
      continue;
    }
    if (text.ends_with(',')) text.remove_suffix(1);
    json entry = json::parse(text, nullptr, false);
    if (summary_seen || entry.is_discarded() || !entry.is_object()) {
      *error = not_a_report(path);
      return false;
    }
    on_entry(entry);
  }
  if (!summary_seen || summary->is_discarded() || !summary->is_object()) {
    *error = "'" + path + "' ends before its summary: the run that wrote it did not finish";
    return false;
  }
  return true;
}

bool read_whole(std::istream& in, const std::string& path, const std::function<void(const json&)>& on_entry,
                json* summary, std::string* error) {
  json report = json::parse(in, nullptr, false);
  if (report.is_discarded() || !report.is_object() || !report.contains("transfers") ||
      !report["transfers"].is_array() || !report.contains("summary") || !report["summary"].is_object()) {
    *error = not_a_report(path);
    return false;
  }
  for (const json& entry : report["transfers"]) on_entry(entry);
  *summary = std::move(report["summary"]);
  return true;
}

}  // namespace

bool read_report(const std::string& path, const std::function<void(const json&)>& on_entry, json* summary,
                 std::string* error) {
  std::ifstream in(std::filesystem::path(path), std::ios::binary);
  std::string first;
  if (!in || !std::getline(in, first)) {
    *error = "cannot read report '" + path + "'";
    return false;
  }
  if (first == kFirstLine) return read_line_by_line(in, path, on_entry, summary, error);
  in.clear();
  in.seekg(0);
  return read_whole(in, path, on_entry, summary, error);
}

}  // namespace fetchpool::cli
