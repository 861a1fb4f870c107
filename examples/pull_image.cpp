// Pulls a container image into an OCI image layout from code, as `fetchpool pull
// --format oci -o DIR IMAGE` does.
//
//   pull_image IMAGE DIR

#include <fetchpool/pull.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pull_image IMAGE DIR\n");
    return 2;
  }
  fetchpool::PullOptions options;
  options.image = argv[1];
  options.output = argv[2];
  options.format = fetchpool::ImageFormat::oci_layout;

  fetchpool::PullResult result = fetchpool::pull_image(options);
  if (!result.ok) {
    std::fprintf(stderr, "pull %s: %s\n", argv[1], result.error.c_str());
    return 1;
  }
  std::printf("%s %s (%zu blobs)\n", result.reference.c_str(), result.manifest_digest.c_str(),
              result.blobs.size());
  return 0;
}
