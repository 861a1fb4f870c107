#include "cli/report_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/console.h"
#include "cli/get_command.h"
#include "cli/progress_display.h"
#include "cli/report.h"
#include "cli/report_reader.h"
#include "cli/shard.h"
#include "progress/format.h"

namespace fetchpool::cli {
namespace {

using nlohmann::json;

/// The counts a merged summary adds up, in a report's own order.
constexpr const char* kSummedCounts[] = {"ok", "failed", "skipped", "cancelled", "bytes"};

/// Whether `summary` has every count a merge adds up.
bool check_summary(const json& summary, const std::string& path, std::string* error) {
  for (const char* count : kSummedCounts) {
    if (!summary.value(count, json()).is_number_integer()) {
      *error = "'" + path + "': its summary has no whole number '" + count + "'";
      return false;
    }
  }
  return true;
}

/// The failures listed on stderr at most: the merged report has every one.
constexpr std::size_t kMaxListed = 10'000;

/// "K/N" of a report's summary; nullopt when it names none (or not in that form).
std::optional<Shard> shard_of_report(const json& summary) {
  if (!summary.contains("shard") || !summary["shard"].is_string()) return std::nullopt;
  Shard shard;
  std::string ignored;
  const auto no_environment = [](const char*) -> const char* { return nullptr; };
  if (!parse_shard(summary["shard"].get<std::string>(), no_environment, &shard, &ignored))
    return std::nullopt;
  return shard;
}

/// What is wrong with the set of shards merged, when every report names one; empty when
/// they are exactly 0..N-1 of one N (or when some report names none).
std::string shard_coverage(const std::vector<std::optional<Shard>>& shards) {
  if (shards.empty() || std::any_of(shards.begin(), shards.end(), [](const auto& s) { return !s; }))
    return {};
  const std::int64_t count = shards.front()->count;
  std::map<std::int64_t, int> seen;
  for (const auto& shard : shards) {
    if (shard->count != count)
      return fmt::format("the reports are of different splits ({} and {} shards)", count, shard->count);
    ++seen[shard->index];
  }
  std::vector<std::string> problems;
  for (const auto& [index, times] : seen)
    if (times > 1) problems.push_back(fmt::format("shard {}/{} is in {} reports", index, count, times));
  std::vector<std::string> missing;
  for (std::int64_t index = 0; index < count && missing.size() < 20; ++index)
    if (!seen.contains(index)) missing.push_back(std::to_string(index));
  if (!missing.empty())
    problems.push_back(fmt::format("shard{} {} of {} missing", missing.size() > 1 ? "s" : "",
                                   fmt::join(missing, ", "), count));
  return fmt::format("{}", fmt::join(problems, "; "));
}

}  // namespace

int run_report_merge(const ReportMergeOptions& options) {
  if (options.output.empty()) {
    print_error("report merge needs -o FILE: where the merged report goes");
    return kExitUsage;
  }
  if (std::find(options.reports.begin(), options.reports.end(), options.output) != options.reports.end()) {
    print_error("report merge: -o " + options.output + " is one of the reports read: give another file");
    return kExitUsage;
  }
  ReportWriter writer;
  std::string error;
  if (!writer.open(options.output, &error)) {
    print_error(error);
    return kExitUsage;
  }
  std::map<std::string, std::int64_t> totals;
  double longest_s = 0;
  std::int64_t runs = 0;
  std::vector<std::optional<Shard>> shards;
  std::vector<std::string> failures;
  std::int64_t failed_entries = 0;  ///< Listed on stderr or not.
  // Entry by entry: the merged report is written as each report is read, and neither is
  // ever held whole.
  for (const std::string& path : options.reports) {
    json summary;
    const auto take = [&](const json& entry) {
      writer.add_entry(entry.dump(-1, ' ', false, json::error_handler_t::replace));
      if (entry.value("status", "") != "failed") return;
      ++failed_entries;
      if (failures.size() >= kMaxListed) return;
      const json& why = entry.contains("error") ? entry["error"] : json();
      failures.push_back(
          fmt::format("  {}: {} [{}]", progress::cut_for_message(entry.value("url", ""), kConsoleUrlBytes),
                      why.is_string() ? why.get<std::string>() : "", entry.value("category", "")));
    };
    if (!read_report(path, take, &summary, &error) || !check_summary(summary, path, &error)) {
      print_error(error);
      std::filesystem::remove(options.output + ".part");
      return kExitUsage;
    }
    for (const char* count : kSummedCounts) totals[count] += summary[count].get<std::int64_t>();
    if (summary.contains("elapsed_s") && summary["elapsed_s"].is_number())
      longest_s = std::max(longest_s, summary["elapsed_s"].get<double>());
    runs += summary.contains("reports") && summary["reports"].is_number_integer()
                ? summary["reports"].get<std::int64_t>()
                : 1;
    shards.push_back(shard_of_report(summary));
  }
  nlohmann::ordered_json merged;
  for (const char* count : kSummedCounts) merged[count] = totals[count];
  merged["elapsed_s"] = longest_s;
  merged["reports"] = runs;
  if (!writer.finish_with(merged.dump(), &error)) {
    print_error(error);
    return kExitFailed;
  }
  const std::string coverage = shard_coverage(shards);
  if (!options.quiet) {
    print_console(stderr, "merged {} report{} into {}: {} ok, {} failed, {} skipped, {} cancelled; {}\n",
                  options.reports.size(), options.reports.size() == 1 ? "" : "s", options.output,
                  totals["ok"], totals["failed"], totals["skipped"], totals["cancelled"],
                  progress::format_bytes(totals["bytes"]));
  }
  if (!failures.empty()) {
    print_console(stderr, "{} failed:\n", failed_entries);
    for (const std::string& line : failures) print_console(stderr, "{}\n", line);
    if (failed_entries > static_cast<std::int64_t>(failures.size()))
      print_console(stderr, "  ... and {} more (every one is in {})\n",
                    failed_entries - static_cast<std::int64_t>(failures.size()), options.output);
  }
  if (!coverage.empty()) print_error("report merge: " + coverage);
  return coverage.empty() && totals["failed"] == 0 && totals["cancelled"] == 0 ? kExitOk : kExitFailed;
}

}  // namespace fetchpool::cli
