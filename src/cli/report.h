#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "fetchpool/result.h"

namespace fetchpool::cli {

/// Totals over a run, for the summary line and the report.
struct RunTotals {
  std::int64_t ok = 0;
  std::int64_t skipped = 0;
  std::int64_t failed = 0;
  std::int64_t cancelled = 0;
  std::int64_t bytes = 0;  ///< Of every file that ended but the skipped ones, partial ones included.
  double elapsed_s = 0;
  /// With --shard: "K/N", and how many entries of the input were left to the other shards
  /// (read, not fetched, not reported). Empty and 0 otherwise.
  std::string shard;
  std::int64_t other_shards = 0;

  void add(const Result& result);
};

/// One transfer as a JSON object (one line): url, path, status, category, http_status,
/// bytes, attempts, elapsed_s, error (null unless it failed).
std::string report_entry_json(const Result& result);

/// The totals as one JSON object: ok, failed, skipped, cancelled, bytes, elapsed_s (then
/// shard and other_shards, with --shard); with `"event": EVENT` first when `event` is not
/// empty (the JSON progress stream's last line).
std::string summary_json(const RunTotals& totals, std::string_view event = {});

/// "12 ok, 1 failed, 3 skipped; 1.5 GiB in 3.20 s (480.0 MiB/s)", then with --shard
/// "; shard 1/4: 36 left to the other shards".
std::string summary_line(const RunTotals& totals);

/// The --report file: {"transfers": [...], "summary": {...}}, written as results arrive
/// (nothing is kept in memory) into FILE.part and renamed to FILE by finish().
class ReportWriter {
 public:
  /// Opens FILE.part; returns false with `error` set when it cannot.
  bool open(const std::string& path, std::string* error);
  bool is_open() const { return out_.is_open(); }
  void add(const Result& result);
  /// One transfer already in its JSON form (report_entry_json's, one line).
  void add_entry(const std::string& entry_json);
  /// Writes the summary, closes, renames into place.
  bool finish(const RunTotals& totals, std::string* error);
  /// The same with a summary already in its JSON form (summary_json's, one line).
  bool finish_with(const std::string& summary, std::string* error);

 private:
  std::string path_;
  std::ofstream out_;
  bool first_ = true;
};

}  // namespace fetchpool::cli
