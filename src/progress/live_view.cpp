#include "progress/live_view.h"

#include <algorithm>
#include <cmath>

#include "progress/format.h"
#include "progress/text_width.h"
#include "text/printf.h"

namespace fetchpool::progress {
namespace {

constexpr int kMinBarWidth = 6;
constexpr int kMinNameWidth = 8;

std::string file_name(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Fits `name` and a right-hand part into `width`: the name is shortened in the middle.
std::string compose(const std::string& name, const std::string& right, int width, bool utf8) {
  int name_width = std::max(kMinNameWidth, width - display_width(right) - 2);
  std::string line =
      pad_right(elide_middle(name, name_width, utf8), std::min(name_width, display_width(name))) + "  " +
      right;
  if (display_width(line) > width) line = elide_middle(line, width, utf8);
  return line;
}

}  // namespace

std::string render_bar(double fraction, int width, bool utf8) {
  if (width <= 0) return {};
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  if (!utf8) {
    int filled = static_cast<int>(fraction * width);
    return std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), ' ');
  }
  static constexpr const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  int eighths = static_cast<int>(fraction * width * 8);
  int full = eighths / 8;
  std::string bar;
  for (int i = 0; i < full; ++i) bar += "█";
  int cells = full;
  if (full < width && eighths % 8 != 0) {
    bar += kEighths[eighths % 8];
    ++cells;
  }
  bar.append(static_cast<std::size_t>(width - cells), ' ');
  return bar;
}

std::string render_transfer_line(const TransferProgress& transfer, int width, bool utf8) {
  std::string name = transfer.label.empty() ? file_name(transfer.path) : transfer.label;
  std::string tries =
      transfer.attempt > 1 ? text::printf_string(" try %d/%d", transfer.attempt, transfer.max_attempts) : "";
  // A file split over several connections: how many are fetching it now.
  std::string connections =
      transfer.connections > 1 ? text::printf_string(", %d conn", transfer.connections) : "";
  if (transfer.phase == Phase::waiting) {
    std::string reason = transfer.last_error;
    if (std::size_t colon = reason.find(": ");
        reason.rfind("attempt ", 0) == 0 && colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    return compose(name,
                   text::printf_string("retry %d/%d in %s: ", transfer.attempt + 1, transfer.max_attempts,
                                       format_clock(transfer.retry_in_s).c_str()) +
                       reason,
                   width, utf8);
  }
  bool stalled = transfer.idle_s >= kStalledAfterSeconds;
  std::string rate = stalled ? text::printf_string("stalled %.0fs", transfer.idle_s)
                     : transfer.phase == Phase::connecting ? std::string("connecting")
                                                           : format_rate_compact(transfer.rate);
  if (transfer.total <= 0) {
    return compose(name,
                   format_size_compact(transfer.bytes) + " [" + format_clock(transfer.elapsed_s) + ", " +
                       rate + "]" + tries,
                   width, utf8);
  }
  double fraction =
      std::clamp(static_cast<double>(transfer.bytes) / static_cast<double>(transfer.total), 0.0, 1.0);
  double eta = transfer.rate > 0 ? static_cast<double>(transfer.total - transfer.bytes) / transfer.rate : -1;
  std::string sizes = format_size_compact(transfer.bytes) + "/" + format_size_compact(transfer.total);
  std::string clocks = "[" + format_clock(transfer.elapsed_s) + "<" + format_clock(eta) + ", " + rate +
                       connections + "]" + tries;
  std::string percent = text::printf_string("%3.0f%%", std::floor(fraction * 100));
  int name_width = std::min(display_width(name), std::max(kMinNameWidth, width / 3));
  // The widest form that leaves the name its columns: with a bar, without, without clocks.
  std::string stats = "| " + sizes + " " + clocks;
  int bar_width = width - name_width - 2 - display_width(percent) - 1 - display_width(stats);
  if (bar_width >= kMinBarWidth) {
    return compose(name, percent + "|" + render_bar(fraction, std::min(bar_width, 40), utf8) + stats, width,
                   utf8);
  }
  std::string without_bar = percent + " " + sizes + " " + clocks;
  if (display_width(without_bar) + 2 + kMinNameWidth <= width) return compose(name, without_bar, width, utf8);
  return compose(name, percent + " " + sizes + " " + rate, width, utf8);
}

ViewContext view_for(const TerminalInfo& terminal) {
  ViewContext context;
  context.width = std::max(20, terminal.width - 1);
  context.height = terminal.height;
  context.utf8 = terminal.utf8;
  return context;
}

double run_eta_s(const ProgressTotals& totals, const ViewContext& context) {
  if (context.bytes_total >= 0) {
    const std::int64_t left = std::max<std::int64_t>(0, context.bytes_total - totals.bytes);
    if (left == 0 || (context.files_total >= 0 && context.files_done >= context.files_total)) return 0;
    return totals.rate > 0 ? static_cast<double>(left) / totals.rate : -1;
  }
  const std::int64_t done = context.files_done;
  if (context.files_total < 0 || done <= 0 || totals.elapsed_s <= 0) return -1;
  return static_cast<double>(std::max<std::int64_t>(0, context.files_total - done)) * totals.elapsed_s /
         static_cast<double>(done);
}

std::string render_total_line(const ProgressSnapshot& snapshot, const ViewContext& context) {
  const ProgressTotals& totals = snapshot.totals;
  std::int64_t done = context.files_done;
  std::string files =
      context.files_total >= 0
          ? text::printf_string("%lld/%lld %s", static_cast<long long>(done),
                                static_cast<long long>(context.files_total), context.unit.c_str())
          : text::printf_string("%lld %s", static_cast<long long>(done), context.unit.c_str());
  const double eta = run_eta_s(totals, context);
  // Fields in the order they are shown. `drop` is the order they go in when the line does
  // not fit (lowest first; kKept never): a zero count says least, then the counts one can
  // work out (queued, active), then the bytes, then the counts that say something is wrong.
  // Files, rate and the clocks stay: they answer "how far, how fast, how long".
  constexpr int kKept = 1000;
  struct Field {
    std::string text;
    int drop;
    bool count;  ///< One of the counts, which are joined by one space, not two.
  };
  auto count = [](const char* name, std::int64_t value, int zero_drop, int drop) {
    return Field{text::printf_string("%s %lld", name, static_cast<long long>(value)),
                 value == 0 ? zero_drop : drop, true};
  };
  std::vector<Field> fields{
      {files, kKept, false},
      {format_size_compact(totals.bytes), 20, false},
      {format_rate_compact(totals.rate), kKept, false},
      {"[" + format_clock(totals.elapsed_s) + "<" + format_clock(eta) + "]", kKept, false},
      count("active", totals.running, 3, 11),
      count("queued", totals.queued, 2, 10),
      count("retrying", totals.waiting, 1, 30),
      count("stalled", totals.stalled, 0, 31),
  };
  if (context.files_failed > 0) fields.push_back(count("failed", context.files_failed, 0, 32));

  auto join = [&] {
    std::string line;
    bool after_count = false;
    for (const Field& field : fields) {
      if (!line.empty()) line += field.count && after_count ? " " : "  ";
      line += field.text;
      after_count = field.count;
    }
    return line;
  };
  std::string line = join();
  // At most one round per field that can go.
  for (std::size_t round = 0; round < fields.size() && display_width(line) > context.width; ++round) {
    auto lowest = std::min_element(fields.begin(), fields.end(),
                                   [](const Field& a, const Field& b) { return a.drop < b.drop; });
    if (lowest->drop == kKept) break;
    fields.erase(lowest);
    line = join();
  }
  // Narrower than files, rate and clocks (about 40 columns): cut.
  return elide_middle(line, context.width, context.utf8);
}

std::vector<std::string> render_live_area(const ProgressSnapshot& snapshot, const ViewContext& context) {
  std::vector<std::string> lines{render_total_line(snapshot, context)};
  // Room: the terminal minus the total line and two spare rows, so output above stays visible.
  int room = std::max(1, context.height - 3);
  int count = static_cast<int>(snapshot.transfers.size());
  int shown = count <= room ? count : room - 1;
  for (int i = 0; i < shown; ++i) {
    lines.push_back(
        render_transfer_line(snapshot.transfers[static_cast<std::size_t>(i)], context.width, context.utf8));
  }
  if (shown < count) lines.push_back(text::printf_string("+%d more", count - shown));
  return lines;
}

}  // namespace fetchpool::progress
