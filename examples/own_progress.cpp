// A tool with its own view of many transfers: downloads every URL read from stdin into a
// directory and draws one line of progress from the engine's snapshots ten times a
// second, on its own thread of control (the engine never calls into it).
//
//   own_progress OUT_DIR < urls.txt

#include <fetchpool/engine.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: own_progress OUT_DIR < urls.txt\n");
    return 2;
  }
  fetchpool::EngineOptions options;
  options.output_dir = argv[1];
  fetchpool::Engine engine(options);
  for (std::string url; std::getline(std::cin, url);) {
    fetchpool::Request request;
    request.url = url;
    if (!url.empty()) engine.submit(request);  // the handle is not needed: progress() says it all
  }

  fetchpool::ProgressTotals totals;
  for (bool idle = false; !idle;) {
    idle = engine.wait_idle(std::chrono::milliseconds(100));
    totals = engine.progress().totals;  // once idle, it counts every transfer
    std::printf("\r%lld/%lld done, %lld failed, %lld running, %.1f MiB", static_cast<long long>(totals.ok),
                static_cast<long long>(totals.submitted), static_cast<long long>(totals.failed),
                static_cast<long long>(totals.running), static_cast<double>(totals.bytes) / (1 << 20));
    std::fflush(stdout);
  }
  std::printf("\n");
  return totals.failed == 0 ? 0 : 1;
}
