// An application that fetches images while it works and never waits on a dead network:
// each download gets five seconds, retries included; one that takes longer is given up
// and the work goes on. The bodies stay in memory: nothing is written to disk.
//
//   deadline URL...

#include <fetchpool/engine.h>

#include <cstdio>

int main(int argc, char** argv) {
  fetchpool::Engine engine;  // one event-loop thread, joined by the destructor

  for (int i = 1; i < argc; ++i) {
    fetchpool::Request request;
    request.url = argv[i];
    request.to_memory = true;
    request.max_time_s = 5;  // this download's deadline

    fetchpool::Result result = engine.submit(request).wait();
    if (result.ok()) {
      std::printf("%s: %zu bytes\n", argv[i], result.body->size());
    } else {
      std::printf("%s: skipped: %s\n", argv[i], result.message.c_str());
    }
    // ... the application's own work with the image goes on here ...
  }
  return 0;
}
