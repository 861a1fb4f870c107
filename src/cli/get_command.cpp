#include "cli/get_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <utility>

#include "cli/console.h"
#include "cli/entry_source.h"
#include "cli/input_list.h"
#include "cli/interrupt.h"
#include "cli/option_values.h"
#include "cli/output_option.h"
#include "cli/password_prompt.h"
#include "cli/private_file.h"
#include "cli/progress_display.h"
#include "cli/report.h"
#include "cli/result_queue.h"
#include "cli/shard.h"
#include "cli/shard_key.h"
#include "cli/verbose_trace.h"
#include "fetchpool/engine.h"
#include "progress/format.h"
#include "progress/terminal.h"

namespace fetchpool::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::optional<IfExists> parse_if_exists(const std::string& text) {
  if (text == "skip") return IfExists::skip;
  if (text == "fail") return IfExists::fail;
  if (text == "overwrite") return IfExists::overwrite;
  return std::nullopt;
}

}  // namespace

std::string unreadable_file(const std::string& flag, const std::string& path, const std::string& what) {
  if (path.empty()) return {};
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return flag + " " + path + ": is a directory: give " + what;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return flag + " " + path + ": cannot read it (" + std::strerror(errno) + "): give " + what;
  std::fclose(file);
  return {};
}

namespace {

bool validate(const GetOptions& options, std::string* error) {
  if (options.urls.empty() && options.input_file.empty()) {
    *error = "no URLs given: pass URLs or -i FILE";
    return false;
  }
  // A URL typed on the command line is the user's to fix now (curl: exit 3); one in a
  // list is that entry's failure, and the rest of the list runs.
  for (const std::string& url : options.urls) {
    std::string why;
    if (!check_url(url, &why)) {
      *error = "'" + progress::cut_for_message(redact_url(url)) + "': " + why;
      return false;
    }
  }
  bool single_url = options.urls.size() == 1 && options.input_file.empty();
  if (!options.output.empty() && !single_url) {
    *error = "-o NAME needs exactly one URL (use out= lines in an input list for many)";
    return false;
  }
  if (!options.checksum.empty() && !single_url) {
    *error = "--checksum needs exactly one URL (use checksum= lines in an input list for many)";
    return false;
  }
  *error = unreadable_file("--ca-cert", options.engine.ca_cert_file, "a PEM file of CA certificates");
  if (error->empty()) *error = unreadable_file("--netrc-file", options.engine.netrc_file, "a netrc file");
  if (!error->empty()) return false;
  if (!(options.engine.connect_timeout_s > 0)) {
    *error = "--connect-timeout must be a positive number of seconds";
    return false;
  }
  if (!(options.engine.max_time_s >= 0)) {
    *error = "--max-time must be 0 (never) or a positive number of seconds";
    return false;
  }
  if (!(options.engine.retry_wait_s >= 0)) {
    *error = "--retry-wait must be 0 or a positive number of seconds";
    return false;
  }
  if (!(options.engine.stall_timeout_s >= 0)) {
    *error = "--stall-timeout must be 0 (never) or a positive number of seconds";
    return false;
  }
  if (!options.progress.empty() && !is_one_of(options.progress, kProgressModes)) {
    *error = "--progress must be bar, plain, json or none";
    return false;
  }
  if (!parse_if_exists(options.if_exists)) {
    *error = "--if-exists must be skip, fail or overwrite";
    return false;
  }
  return true;
}

/// Turns an entry into a request, or explains why it cannot run.
bool make_request(const InputEntry& entry, const GetOptions& options, Request* request, std::string* error) {
  if (!entry.error.empty()) {
    *error = entry.error;
    return false;
  }
  request->url = entry.url;
  request->mirrors = entry.mirrors;
  if (!entry.dir.empty()) {
    // dir= is a subdirectory of -d (EngineOptions::output_dir, where the engine resolves a
    // relative Request::directory, never through a symbolic link): a list can never send
    // files outside it.
    std::string why;
    if (!is_safe_relative_name(entry.dir, &why)) {
      std::string where = entry.line > 0 ? "line " + std::to_string(entry.line) + ": " : "";
      *error = where + "dir=" + progress::cut_for_message(entry.dir) + ": " + why;
      return false;
    }
    request->directory = fs::path(entry.dir);
  }
  if (entry.dir.empty() && options.layout.enabled) {
    std::string directory;
    std::string why;
    if (!remote_directory(entry.url, options.layout, &directory, &why) ||
        (!directory.empty() && !is_safe_relative_name(directory, &why))) {
      *error = why;
      return false;
    }
    request->directory = fs::path(directory);
  }
  request->file_name = entry.out;
  request->name_from_server = options.content_disposition && entry.out.empty();
  request->headers = options.headers;
  // An entry's own referer= and user-agent= win over -e and -A, as aria2's per-item
  // options win over its command line.
  const std::string& referer = entry.referer.empty() ? options.referer : entry.referer;
  if (!referer.empty()) request->headers.push_back("Referer: " + referer);
  if (!entry.user_agent.empty()) request->headers.push_back("User-Agent: " + entry.user_agent);
  request->headers.insert(request->headers.end(), entry.headers.begin(), entry.headers.end());
  request->expected_digest = entry.checksum;
  request->connections = entry.connections;
  request->max_bytes_per_s = entry.max_bytes_per_s;
  return true;
}

ProgressMode choose_mode(const GetOptions& options) {
  return choose_progress_mode(options.progress, options.quiet);
}

// How many entries the run will have, when that can be known up front: the arguments plus
// the URL lines of a regular input file (one quick pass). -1 for stdin (known at its end).
std::int64_t count_entries(const GetOptions& options) {
  std::int64_t count = static_cast<std::int64_t>(options.urls.size());
  if (options.input_file.empty()) return count;
  if (options.input_file == "-") return -1;
  std::ifstream in(fs::path(options.input_file), std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '\r') ++count;
  }
  return count;
}

Result invalid_entry_result(const InputEntry& entry, std::string message) {
  Result result;
  result.url = redact_url(entry.url);
  result.status = Status::failed;
  result.category = ErrorCategory::invalid_input;
  result.message = std::move(message);
  return result;
}

}  // namespace

void note_concurrency(const Engine& engine, int asked, ProgressDisplay& display) {
  if (engine.max_concurrent() >= asked) return;
  display.print_line(fmt::format(
      "fetchpool: -j {} lowered to {}: the limit on open files (ulimit -n) allows no more; raise it to run "
      "more at once",
      asked, engine.max_concurrent()));
}

namespace {

int run_downloads(const GetOptions& options) {
  std::string error;
  if (!validate(options, &error)) {
    print_error(error);
    print_console(stderr, "Run 'fetchpool get --help' for usage.\n");
    return kExitUsage;
  }
  Shard shard;
  if (!options.shard.empty() &&
      !parse_shard(
          options.shard, [](const char* name) { return std::getenv(name); }, &shard, &error)) {
    print_error(error);
    return kExitUsage;
  }
  ResultQueue finished;  // before the source, whose reading thread wakes it
  EntrySource source(options, [&finished] { finished.wake(); });
  if (!source.open(&error)) {
    print_error(error);
    return kExitUsage;
  }
  ReportWriter report;
  if (!options.report_file.empty() && !report.open(options.report_file, &error)) {
    print_error(error);
    return kExitUsage;
  }

  EngineOptions engine_options = options.engine;
  engine_options.output_dir = fs::path(options.directory);
  engine_options.if_exists = *parse_if_exists(options.if_exists);
  engine_options.verify_tls = !options.insecure;
  engine_options.use_netrc = options.netrc || !options.engine.netrc_file.empty();
  engine_options.resume = !options.no_continue;
  engine_options.verify_server_digest = !options.no_server_digest;
  engine_options.on_finished = [&finished](const Result& result) { finished.push(result); };

  RunTotals totals;
  if (shard.sharded()) totals.shard = shard.text();
  bool interrupted = false;
  std::vector<std::pair<Result, InputEntry>> failures;
  std::vector<InputEntry> cancelled;  ///< Kept apart: not failures, but still to be done.
  const Clock::time_point start = Clock::now();

  const ProgressMode mode = choose_mode(options);
  ProgressDisplay display(mode, options.quiet);
  // A shard's share of a list is known only once the list is read.
  display.set_files_total(shard.sharded() ? -1 : count_entries(options));
  if (options.verbose) {
    trace_verbosely(engine_options, display, mode);
  } else if (mode == ProgressMode::json || mode == ProgressMode::plain) {
    engine_options.on_event = [&display](const TransferEvent& event) { display.transfer_event(event); };
  }

  auto settle = [&](const Result& result, InputEntry entry) {
    totals.add(result);
    if (report.is_open()) report.add(result);
    display.file_finished(result);
    if (result.status == Status::cancelled) {
      cancelled.push_back(std::move(entry));
    } else if (!result.ok()) {
      failures.emplace_back(result, std::move(entry));
    }
  };

  {
    // Before the engine: its thread must inherit the blocked signals (see InterruptWatcher).
    std::atomic<Engine*> engine_for_signals{nullptr};
    InterruptWatcher interrupts([&engine_for_signals, &display] {
      display.print_line(
          "fetchpool: interrupted: stopping, partial files kept for the next run (Ctrl-C again: exit now)");
      if (Engine* engine = engine_for_signals.load()) engine->cancel_all();
    });
    Engine engine(engine_options);
    engine_for_signals = &engine;
    note_concurrency(engine, engine_options.max_concurrent, display);
    display.start(engine);
    // Only a bounded window of the list is in flight, so memory stays flat for any length.
    // Results are taken a quarter window at a time; the rest keeps the engine busy meanwhile.
    const std::size_t window = static_cast<std::size_t>(std::max(256, options.engine.max_concurrent * 16));
    const std::size_t refill = window / 4;
    constexpr auto kPatience = std::chrono::milliseconds(50);
    std::unordered_map<TransferId, InputEntry> in_flight;
    bool input_done = false;
    std::int64_t entries_read = 0;
    for (;;) {
      InputEntry entry;
      if (interrupts.interrupted()) input_done = true;
      bool waiting_for_input = false;
      while (!input_done && in_flight.size() < window) {
        EntrySource::Next next = source.next(&entry);
        if (next == EntrySource::Next::end) {
          input_done = true;
          display.set_files_total(entries_read);
          break;
        }
        if (next == EntrySource::Next::later) {
          waiting_for_input = true;
          break;
        }
        Request request;
        const bool runnable = make_request(entry, options, &request, &error);
        // Each entry is decided on its own, as it is read: the list stays a stream.
        if (shard.sharded() && !shard.takes(shard_key(entry, runnable ? &request : nullptr))) {
          ++totals.other_shards;
          continue;
        }
        ++entries_read;
        if (!runnable) {
          // Built before the entry is moved into settle(): its URL names the entry in the report.
          Result invalid = invalid_entry_result(entry, error);
          settle(invalid, std::move(entry));
          continue;
        }
        TransferHandle handle = engine.submit(std::move(request));
        in_flight.emplace(handle.id(), std::move(entry));
      }
      if (in_flight.empty()) {
        if (input_done) break;
        if (waiting_for_input) source.wait(kPatience);
        continue;
      }
      // While standard input is read as it is written, each result is reported as it comes
      // (take() also returns when an entry becomes ready).
      std::size_t wanted = input_done          ? in_flight.size()
                           : waiting_for_input ? 1
                                               : std::min(refill, in_flight.size());
      for (Result& result : finished.take(wanted, kPatience)) {
        auto it = in_flight.find(result.id);
        InputEntry done_entry = std::move(it->second);
        in_flight.erase(it);
        settle(result, std::move(done_entry));
      }
      // A signal may land between cancel_all() and a submission: cancel again each round.
      if (interrupts.interrupted()) engine.cancel_all();
    }
    display.stop();
    engine_for_signals = nullptr;
    interrupted = interrupts.interrupted();
  }
  totals.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();

  int status = interrupted ? kExitInterrupted : failures.empty() && cancelled.empty() ? kExitOk : kExitFailed;
  if (report.is_open() && !report.finish(totals, &error)) {
    print_error(error);
    status = kExitFailed;
  }
  if (!options.save_failed_file.empty()) {
    // The entries as given, credentials and header= lines included, so it can run again:
    // owner-only.
    std::ofstream out;
    open_private_file(options.save_failed_file, &out);
    for (const auto& [result, entry] : failures) write_input_entry(out, entry);
    for (const InputEntry& entry : cancelled) write_input_entry(out, entry);
    if (!out) {
      print_error("cannot write '" + options.save_failed_file + "'");
      status = kExitFailed;
    }
  }
  if (mode == ProgressMode::json) {
    print_console(stderr, "{}\n", summary_json(totals, "summary"));
    return status;
  }
  std::vector<std::string> summary;
  if (!options.quiet) summary.push_back(summary_line(totals));
  std::vector<std::string> list;
  for (const auto& [result, entry] : failures) {
    list.push_back(fmt::format("  {}: {} [{}]", progress::cut_for_message(result.url, kConsoleUrlBytes),
                               result.message, to_string(result.category)));
  }
  // Each failure once on a terminal: the list repeats only the FAILED lines that have
  // scrolled out of sight.
  const std::vector<bool> listed = display.failures_to_list(summary, list);
  const auto repeated = static_cast<std::size_t>(std::count(listed.begin(), listed.end(), true));
  for (const std::string& line : summary) print_console(stderr, "{}\n", line);
  if (repeated > 0) {
    if (repeated == list.size()) {
      print_console(stderr, "{} failed:\n", list.size());
    } else {
      print_console(stderr, "{} of the {} failed scrolled off the screen:\n", repeated, list.size());
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (listed[i]) print_console(stderr, "{}\n", list[i]);
    }
  }
  return status;
}

}  // namespace

int run_get(const GetOptions& given) {
  GetOptions options = given;
  std::string error;
  if (!place_output(&options, &error)) {
    print_error(error);
    return kExitUsage;
  }
  std::string& credentials = options.engine.credentials;
  if (!credentials.empty() && credentials.find(':') == std::string::npos) {
    // -u USER: asked for on the terminal, as curl does, never echoed.
    std::string password;
    if (!ask_password("Enter host password for user '" + credentials + "':", &password, &error)) {
      print_error(error);
      return kExitUsage;
    }
    credentials += ":" + password;
  }
  if (options.output == "-") return run_to_stdout(std::move(options), run_downloads);
  return run_downloads(options);
}

}  // namespace fetchpool::cli
