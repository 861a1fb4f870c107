// A batch job: download every URL of a list into a directory, 8 at a time with 3 retries
// each, then say exactly which failed and why. Exits 1 when any failed.
//
//   batch_report LIST_FILE OUT_DIR      (LIST_FILE: one URL per line)

#include <fetchpool/engine.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: batch_report LIST_FILE OUT_DIR\n");
    return 2;
  }
  fetchpool::EngineOptions options;
  options.max_concurrent = 8;
  options.retries = 3;
  options.output_dir = argv[2];
  fetchpool::Engine engine(options);

  std::ifstream list(argv[1]);
  std::vector<fetchpool::TransferHandle> handles;
  for (std::string url; std::getline(list, url);) {
    fetchpool::Request request;
    request.url = url;
    if (!url.empty()) handles.push_back(engine.submit(request));
  }

  std::vector<fetchpool::Result> failed;
  for (const fetchpool::TransferHandle& handle : handles) {
    fetchpool::Result result = handle.wait();
    if (!result.ok()) failed.push_back(result);
  }

  std::printf("%zu downloaded, %zu failed\n", handles.size() - failed.size(), failed.size());
  for (const fetchpool::Result& result : failed) {
    std::printf("FAILED %s (%s, %d attempts): %s\n", result.url.c_str(),
                std::string(fetchpool::to_string(result.category)).c_str(), result.attempts,
                result.message.c_str());
  }
  return failed.empty() ? 0 : 1;
}
