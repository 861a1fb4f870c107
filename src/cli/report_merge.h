#pragma once

#include <string>
#include <vector>

namespace fetchpool::cli {

/// `fetchpool report merge R1.json R2.json ... -o ALL.json`.
struct ReportMergeOptions {
  std::string action;                ///< "merge", the one action there is.
  std::vector<std::string> reports;  ///< --report files, of shards or of any runs.
  std::string output;                ///< -o: the merged report.
  bool quiet = false;
};

/// Combines --report files into one of the same form: every transfer entry kept, in the
/// order given; the summary's ok, failed, skipped, cancelled and bytes summed, elapsed_s
/// the longest (shards run at once), and "reports" how many runs it covers. When every
/// report names its shard, says (exit 1) which shard is missing or given twice. Reads and
/// writes entry by entry (never a whole report in memory). Prints the totals and the
/// failures with their reasons on stderr (the first 10,000; the report has every one). Returns an ExitStatus:
/// 0, 1 as above or when a run had failures, 2 when a report cannot be read.
int run_report_merge(const ReportMergeOptions& options);

}  // namespace fetchpool::cli
