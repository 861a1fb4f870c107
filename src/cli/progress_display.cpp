#include "cli/progress_display.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/console.h"
#include "cli/report.h"
#include "progress/format.h"
#include "progress/live_view.h"
#include "progress/terminal.h"
#include "progress/text_width.h"

namespace fetchpool::cli {
namespace {

constexpr auto kBarInterval = std::chrono::milliseconds(100);
constexpr auto kPlainInterval = std::chrono::seconds(5);
constexpr auto kJsonInterval = std::chrono::milliseconds(500);

std::string json_line(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Where the whole run stands, for --progress json's periodic "totals" event. The ETA is the
// total line's (progress::run_eta_s); null while it is unknown.
nlohmann::ordered_json totals_json(const ProgressTotals& totals, const progress::ViewContext& run) {
  nlohmann::ordered_json line{{"event", "totals"}, {"files_done", run.files_done}};
  line["files_total"] =
      run.files_total >= 0 ? nlohmann::ordered_json(run.files_total) : nlohmann::ordered_json();
  line["failed"] = run.files_failed;
  line["bytes"] = totals.bytes;
  line["rate"] = std::round(totals.rate);
  const double eta = progress::run_eta_s(totals, run);
  line["eta_s"] = eta >= 0 ? nlohmann::ordered_json(std::round(eta * 10) / 10) : nlohmann::ordered_json();
  line["active"] = totals.running;
  line["queued"] = totals.queued;
  line["retrying"] = totals.waiting;
  line["stalled"] = totals.stalled;
  return line;
}

std::string red(const std::string& text, bool color) {
  return color ? "\x1b[31m" + text + "\x1b[0m" : text;
}

}  // namespace

ProgressMode choose_progress_mode(const std::string& mode_name, bool quiet) {
  if (mode_name == "bar") return ProgressMode::bar;
  if (mode_name == "plain") return ProgressMode::plain;
  if (mode_name == "json") return ProgressMode::json;
  if (mode_name == "none" || quiet) return ProgressMode::none;
  return progress::query_stderr().is_tty ? ProgressMode::bar : ProgressMode::plain;
}

ProgressDisplay::ProgressDisplay(ProgressMode mode, bool quiet)
    : mode_(mode),
      quiet_(quiet),
      color_(progress::query_stderr().color),
      terminal_(progress::query_stderr().is_tty && mode != ProgressMode::json) {}

ProgressDisplay::~ProgressDisplay() {
  stop();
}

void ProgressDisplay::start(const Engine& engine) {
  start([&engine] { return engine.progress(); });  // a short lock the data path never takes
}

void ProgressDisplay::start(std::function<ProgressSnapshot()> source) {
  source_ = std::move(source);
  if (mode_ == ProgressMode::none) return;
  thread_ = std::thread([this] { run(); });
}

void ProgressDisplay::set_plan(std::int64_t items, std::int64_t bytes, std::string unit) {
  {
    std::lock_guard lock(mutex_);
    unit_ = std::move(unit);
  }
  bytes_total_ = bytes;
  files_total_ = items;
}

void ProgressDisplay::set_files_total(std::int64_t total) {
  files_total_ = total;
}

void ProgressDisplay::run() {
  auto interval = mode_ == ProgressMode::bar    ? std::chrono::milliseconds(kBarInterval)
                  : mode_ == ProgressMode::json ? std::chrono::milliseconds(kJsonInterval)
                                                : std::chrono::milliseconds(kPlainInterval);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [&] { return stopping_; });
    if (stopping_) break;
    ProgressSnapshot snapshot = source_();
    if (mode_ == ProgressMode::bar) {
      draw_locked(snapshot);
    } else if (mode_ == ProgressMode::plain) {
      const ProgressTotals& t = snapshot.totals;
      std::int64_t total = files_total_;
      write_locked(fmt::format(
          "progress: {}{} files, {}, {}, active {}, queued {}, retrying {}, stalled {}\n", files_done_,
          total >= 0 ? "/" + std::to_string(total) : "", progress::format_bytes(t.bytes),
          progress::format_rate(t.rate), t.running, t.queued, t.waiting, t.stalled));
    } else if (mode_ == ProgressMode::json) {
      for (const TransferProgress& transfer : snapshot.transfers) {
        if (transfer.phase != Phase::receiving) continue;
        nlohmann::ordered_json line{{"event", "progress"},
                                    {"id", transfer.id},
                                    {"path", transfer.path},
                                    {"bytes", transfer.bytes},
                                    {"total", transfer.total},
                                    {"rate", std::round(transfer.rate)},
                                    {"attempt", transfer.attempt},
                                    {"connections", transfer.connections},
                                    {"idle_s", std::round(transfer.idle_s * 10) / 10}};
        emit_json_locked(json_line(line));
      }
      emit_json_locked(json_line(totals_json(snapshot.totals, run_context_locked())));
    }
  }
}

void ProgressDisplay::write_locked(const std::string& text) {
  write_console(stderr, text);
}

void ProgressDisplay::emit_json_locked(const std::string& json) {
  write_locked(json + "\n");
}

progress::ViewContext ProgressDisplay::run_context_locked(progress::ViewContext context) const {
  context.files_total = files_total_;
  context.bytes_total = bytes_total_;
  context.unit = unit_;
  context.files_done = files_done_;
  context.files_failed = files_failed_;
  return context;
}

void ProgressDisplay::draw_locked(const ProgressSnapshot& snapshot) {
  const progress::ViewContext context = run_context_locked(progress::view_for(progress::query_stderr()));
  write_locked(live_area_.redraw(progress::render_live_area(snapshot, context)));
  furthest_row_ = std::max(furthest_row_, next_row_ + static_cast<std::int64_t>(live_area_.height()));
}

void ProgressDisplay::print_line(const std::string& line) {
  print_rows(line, line);
}

void ProgressDisplay::print_rows(const std::string& line, const std::string& shown, bool failure) {
  std::lock_guard lock(mutex_);
  if (failure) failure_rows_.push_back(next_row_);
  if (mode_ == ProgressMode::json) {
    emit_json_locked(json_line({{"event", "message"}, {"text", line}}));
    return;
  }
  write_locked(live_area_.print_above(line));
  if (terminal_) {
    next_row_ += progress::terminal_rows(shown, progress::query_stderr().width);
    furthest_row_ = std::max(furthest_row_, next_row_ + static_cast<std::int64_t>(live_area_.height()));
  }
}

std::vector<bool> ProgressDisplay::failures_to_list(const std::vector<std::string>& summary_lines,
                                                    const std::vector<std::string>& list_lines) const {
  if (!terminal_ || list_lines.size() != failure_rows_.size())
    return std::vector<bool>(list_lines.size(), true);
  std::vector<bool> listed(list_lines.size(), false);
  const progress::TerminalInfo screen = progress::query_stderr();
  std::int64_t below = 1;  // the shell's prompt
  for (const std::string& line : summary_lines) below += progress::terminal_rows(line, screen.width);
  // Listing a failure pushes the others up, which may push another one off: repeat until
  // none moves (at most once per failure, plus the round that finds none).
  bool header = false;
  for (std::size_t round = 0; round <= listed.size(); ++round) {
    bool moved = false;
    for (std::size_t i = 0; i < listed.size(); ++i) {
      std::int64_t bottom = std::max(furthest_row_, next_row_ + below);
      if (listed[i] || bottom - failure_rows_[i] <= screen.height) continue;
      listed[i] = true;
      moved = true;
      below += progress::terminal_rows(list_lines[i], screen.width) + (header ? 0 : 1);
      header = true;
    }
    if (!moved) break;
  }
  return listed;
}

void ProgressDisplay::file_finished(const Result& result) {
  {
    std::lock_guard lock(mutex_);
    ++files_done_;
    if (!result.ok()) ++files_failed_;
  }
  if (mode_ == ProgressMode::json) {
    auto entry = nlohmann::ordered_json::parse(report_entry_json(result));
    nlohmann::ordered_json line{
        {"event", result.ok() ? (result.status == Status::skipped ? "skipped" : "finished") : "failed"},
        {"id", result.id}};
    line.update(entry);
    std::lock_guard lock(mutex_);
    emit_json_locked(json_line(line));
    return;
  }
  if (result.status == Status::cancelled) {
    return;  // the summary counts them; one line each would bury the real failures after Ctrl-C
  }
  if (!result.ok()) {
    const std::string rest =
        "  " + progress::cut_for_message(result.url, kConsoleUrlBytes) + ": " + result.message;
    print_rows(red("FAILED", color_) + rest, "FAILED" + rest, true);
  } else if (!quiet_ && mode_ != ProgressMode::none) {
    if (result.status == Status::skipped) {
      print_line("skipped " + (result.label.empty() ? result.path : result.label) + " (already exists)");
    } else {
      print_line(fmt::format("done    {} ({} in {})", result.label.empty() ? result.path : result.label,
                             progress::format_bytes(result.bytes),
                             progress::format_duration(result.elapsed_s)));
    }
  }
}

void ProgressDisplay::transfer_event(const TransferEvent& event) {
  if (mode_ == ProgressMode::json) {
    nlohmann::ordered_json line;
    if (event.kind == TransferEvent::Kind::started) {
      line = {{"event", "started"}, {"id", event.id},           {"url", event.url},
              {"path", event.path}, {"attempt", event.attempt}, {"max_attempts", event.max_attempts}};
    } else if (event.kind == TransferEvent::Kind::split || event.kind == TransferEvent::Kind::named) {
      line = {{"event", event.kind == TransferEvent::Kind::split ? "split" : "named"},
              {"id", event.id},
              {"url", event.url},
              {"path", event.path},
              {"message", event.message}};
    } else if (event.kind == TransferEvent::Kind::redirected) {
      line = {{"event", "redirect"},
              {"id", event.id},
              {"url", event.url},
              {"path", event.path},
              {"message", event.message}};
    } else {
      line = {{"event", "retry"},         {"id", event.id},
              {"url", event.url},         {"path", event.path},
              {"attempt", event.attempt}, {"retry_in_s", std::round(event.retry_in_s * 100) / 100},
              {"error", event.message}};
    }
    std::lock_guard lock(mutex_);
    emit_json_locked(json_line(line));
  } else if (mode_ == ProgressMode::plain && event.kind == TransferEvent::Kind::retrying && !quiet_) {
    print_line(fmt::format("retry   {} (attempt {}/{} in {}): {}",
                           progress::cut_for_message(event.url, kConsoleUrlBytes), event.attempt + 1,
                           event.max_attempts, progress::format_duration(event.retry_in_s), event.message));
  }
}

void ProgressDisplay::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  std::string erase = live_area_.erase();
  if (!erase.empty()) write_locked(erase);
}

}  // namespace fetchpool::cli
