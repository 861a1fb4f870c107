#include "cli/report.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/private_file.h"
#include "progress/format.h"

namespace fetchpool::cli {

void RunTotals::add(const Result& result) {
  switch (result.status) {
    case Status::ok: ++ok; break;
    case Status::skipped: ++skipped; break;
    case Status::failed: ++failed; break;
    case Status::cancelled: ++cancelled; break;
  }
  // What this run received, a failed or cancelled file's part included: after Ctrl-C the
  // summary would otherwise say 0 B for minutes of downloading. A skipped file got nothing.
  if (result.status != Status::skipped) bytes += result.bytes;
}

std::string report_entry_json(const Result& result) {
  nlohmann::ordered_json entry;
  entry["url"] = result.url;
  entry["path"] = result.path;
  entry["status"] = to_string(result.status);
  entry["category"] = to_string(result.category);
  entry["http_status"] = result.http_status;
  entry["bytes"] = result.bytes;
  entry["attempts"] = result.attempts;
  entry["elapsed_s"] = std::round(result.elapsed_s * 1000) / 1000;
  if (result.status == Status::failed || result.status == Status::cancelled) {
    entry["error"] = result.message;
  } else {
    entry["error"] = nullptr;
  }
  entry["attempt_errors"] = result.attempt_errors;
  // Names are bytes from URLs and lists: never let one invalid UTF-8 byte fail the report.
  return entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string summary_line(const RunTotals& totals) {
  std::string line = fmt::format("{} ok, {} failed", totals.ok, totals.failed);
  if (totals.skipped > 0) line += fmt::format(", {} skipped (already there)", totals.skipped);
  if (totals.cancelled > 0) line += fmt::format(", {} cancelled", totals.cancelled);
  double rate = totals.elapsed_s > 0 ? static_cast<double>(totals.bytes) / totals.elapsed_s : 0;
  line += fmt::format("; {} in {} ({})", progress::format_bytes(totals.bytes),
                      progress::format_duration(totals.elapsed_s), progress::format_rate(rate));
  if (!totals.shard.empty())
    line += fmt::format("; shard {}: {} left to the other shards", totals.shard, totals.other_shards);
  return line;
}

bool ReportWriter::open(const std::string& path, std::string* error) {
  path_ = path;
  // Owner-only: a URL's query string can carry a signed token, and the report keeps it.
  if (!open_private_file(path + ".part", &out_)) {
    *error = "cannot write report '" + path + ".part'";
    return false;
  }
  out_ << "{\"transfers\": [";
  return true;
}

void ReportWriter::add(const Result& result) {
  add_entry(report_entry_json(result));
}

void ReportWriter::add_entry(const std::string& entry_json) {
  out_ << (first_ ? "\n  " : ",\n  ") << entry_json;
  first_ = false;
}

std::string summary_json(const RunTotals& totals, std::string_view event) {
  nlohmann::ordered_json summary;
  if (!event.empty()) summary["event"] = event;
  summary["ok"] = totals.ok;
  summary["failed"] = totals.failed;
  summary["skipped"] = totals.skipped;
  summary["cancelled"] = totals.cancelled;
  summary["bytes"] = totals.bytes;
  summary["elapsed_s"] = std::round(totals.elapsed_s * 1000) / 1000;
  if (!totals.shard.empty()) {
    summary["shard"] = totals.shard;
    summary["other_shards"] = totals.other_shards;
  }
  return summary.dump();
}

bool ReportWriter::finish(const RunTotals& totals, std::string* error) {
  return finish_with(summary_json(totals), error);
}

bool ReportWriter::finish_with(const std::string& summary, std::string* error) {
  out_ << "\n],\n\"summary\": " << summary << "}\n";
  out_.close();
  if (!out_) {
    *error = "cannot write report '" + path_ + ".part'";
    return false;
  }
  if (std::rename((path_ + ".part").c_str(), path_.c_str()) != 0) {
    *error = "cannot rename report to '" + path_ + "'";
    return false;
  }
  return true;
}

}  // namespace fetchpool::cli
