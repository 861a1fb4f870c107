#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fetchpool/progress.h"
#include "progress/terminal.h"

namespace fetchpool::progress {

/// What the live display knows beyond the engine's snapshot.
struct ViewContext {
  int width = 80;                 ///< Terminal columns.
  int height = 24;                ///< Terminal rows; the live area uses at most height - 2.
  bool utf8 = true;               ///< Block characters and "…"; false: '#' and "...".
  std::int64_t files_total = -1;  ///< Files the run will have, -1 while unknown.
  std::int64_t files_done = 0;    ///< Ended so far, as the caller counts them.
  std::int64_t files_failed = 0;
  std::string unit = "files";  ///< What the first field counts ("blobs" for a pull).
  /// The bytes the run is to fetch, when known up front (a pull's manifests): the ETA is
  /// then what is left at the current rate, not the files left at the pace so far.
  std::int64_t bytes_total = -1;
};

/// A ViewContext for `terminal` (the file counts left to the caller): never its last column,
/// so that no line wraps.
ViewContext view_for(const TerminalInfo& terminal);

/// Seconds until the run ends at its pace so far, one rule for every display of it (the
/// total line, --progress json's totals event): with the run's bytes known up front (a
/// pull), the bytes left at the current rate; else the files left at the files per second
/// so far. 0 once everything is done; -1 while it cannot be told (nothing done yet, no
/// rate, the number of files not known).
double run_eta_s(const ProgressTotals& totals, const ViewContext& context);

/// The total line, at most `context.width` columns:
///   "12/100 files  1.2GiB  36.5MiB/s  [00:12<00:15]  active 16 queued 70 retrying 1 stalled 0 failed 2"
/// Narrower, whole fields go (zero counts, then queued, active, the bytes, retrying,
/// stalled, failed); files, rate and clocks stay, cut only when they alone do not fit.
std::string render_total_line(const ProgressSnapshot& snapshot, const ViewContext& context);

/// One transfer in tqdm's shape, exactly `width` columns or fewer:
///   "name  45%|████▌     | 450MiB/1.0GiB [00:12<00:15, 36.5MiB/s]"
/// Unknown size: "name  450MiB [00:12, 36.5MiB/s]". Stalled: the rate becomes "stalled 12s".
/// Waiting to retry: "name  retry 2/6 in 3s: HTTP 503 ...".
std::string render_transfer_line(const TransferProgress& transfer, int width, bool utf8);

/// The whole live area: the total line, then one line per transfer while they fit (leaving
/// room), the rest folded into "+N more".
std::vector<std::string> render_live_area(const ProgressSnapshot& snapshot, const ViewContext& context);

/// A bar of `width` cells filled to `fraction`, with eighth-blocks (UTF-8) or '#'.
std::string render_bar(double fraction, int width, bool utf8);

}  // namespace fetchpool::progress
