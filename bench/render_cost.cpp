// The live display's own cost: time to render one frame of a busy run (64 transfers on a
// 120x50 terminal). `./dev bench --only progress` runs it beside the end-to-end comparison,
// which on these machines is drowned in run-to-run noise.

#include <chrono>
#include <cstdio>
#include <string>

#include "progress/live_view.h"

int main() {
  using namespace fetchpool;
  ProgressSnapshot snapshot;
  snapshot.totals = {.submitted = 10000,
                     .ok = 500,
                     .running = 64,
                     .queued = 9000,
                     .bytes = 1 << 30,
                     .rate = 3e7,
                     .elapsed_s = 60};
  for (int i = 0; i < 64; ++i) {
    TransferProgress transfer;
    transfer.id = static_cast<TransferId>(i);
    transfer.path = "out/some-artifact-name-" + std::to_string(i) + ".jar";
    transfer.phase = Phase::receiving;
    transfer.bytes = 123456LL * i;
    transfer.total = 9999999;
    transfer.rate = 1e6;
    transfer.elapsed_s = 3;
    transfer.attempt = 1;
    transfer.max_attempts = 6;
    snapshot.transfers.push_back(transfer);
  }
  progress::ViewContext context;
  context.width = 120;
  context.height = 50;
  context.files_total = 10000;
  context.files_done = 500;
  constexpr int kFrames = 20000;
  std::size_t lines = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kFrames; ++i) lines += progress::render_live_area(snapshot, context).size();
  double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kFrames;
  std::printf("frame_us %.1f lines %zu\n", us, lines / kFrames);
}
