#include "cli/pull_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "cli/console.h"
#include "cli/get_command.h"
#include "cli/interrupt.h"
#include "cli/progress_display.h"
#include "cli/shard.h"
#include "cli/verbose_trace.h"
#include "fetchpool/pull.h"

namespace fetchpool::cli {

namespace {

/// The images of an input list: one per line; blank lines and lines starting with '#' are
/// skipped. False with `error` (the line named) for one that is no image reference.
bool read_image_list(std::istream& in, std::vector<std::string>* images, std::string* error) {
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    std::string image = line.substr(begin, line.find_last_not_of(" \t\r") - begin + 1);
    std::string why;
    if (!check_image_reference(image, &why)) {
      *error = "line " + std::to_string(number) + ": " + why;
      return false;
    }
    images->push_back(std::move(image));
  }
  return true;
}

}  // namespace

int run_pull(PullCommandOptions options) {
  if (options.format == "docker-archive") {
    options.pull.format = ImageFormat::docker_archive;
  } else if (options.format == "oci") {
    options.pull.format = ImageFormat::oci_layout;
  } else {
    print_error(
        fmt::format("--format {}: use docker-archive (a tarball for docker load) or oci", options.format));
    return kExitUsage;
  }
  if (options.output.empty()) {
    print_error("pull needs -o: the tarball (docker-archive) or directory (oci) to write");
    return kExitUsage;
  }
  if (options.pull.all_platforms && options.pull.format != ImageFormat::oci_layout) {
    print_error("--all-platforms needs --format oci: a docker-archive tarball holds one image");
    return kExitUsage;
  }
  options.pull.output = options.output;
  std::string error;
  for (const std::string& image : options.images) {
    if (!check_image_reference(image, &error)) {
      print_error(options.images.size() > 1 ? image + ": " + error : error);
      return kExitUsage;
    }
  }
  if (options.input_file == "-" && options.password_stdin) {
    print_error("-i - and --password-stdin both want stdin: give the images in a file");
    return kExitUsage;
  }
  if (!options.input_file.empty()) {
    std::ifstream file;
    if (options.input_file != "-") file.open(std::filesystem::path(options.input_file));
    std::istream& in = options.input_file == "-" ? std::cin : file;
    if (!in) {
      print_error("cannot read the image list '" + options.input_file + "'");
      return kExitUsage;
    }
    if (!read_image_list(in, &options.images, &error)) {
      print_error(options.input_file + ": " + error);
      return kExitUsage;
    }
  }
  if (!options.shard.empty() && !options.images.empty()) {
    Shard shard;
    if (!parse_shard(
            options.shard, [](const char* name) { return std::getenv(name); }, &shard, &error)) {
      print_error(error);
      return kExitUsage;
    }
    // An image's shard is decided by its reference as written, on its own.
    const std::size_t given = options.images.size();
    std::erase_if(options.images, [&shard](const std::string& image) { return !shard.takes(image); });
    if (!options.quiet)
      print_console(stderr, "shard {}: {} of the {} images; {} left to the other shards\n", shard.text(),
                    options.images.size(), given, given - options.images.size());
    if (options.images.empty()) return kExitOk;  // nothing of the list is this shard's
  }
  if (options.images.empty()) {
    print_error("pull needs an IMAGE (or -i FILE with images)");
    print_console(stderr, "Run 'fetchpool pull --help' for usage.\n");
    return kExitUsage;
  }
  options.pull.image = options.images.front();
  options.pull.more_images.assign(options.images.begin() + 1, options.images.end());
  const std::string what =
      options.images.size() == 1 ? options.images.front() : std::to_string(options.images.size()) + " images";
  if (options.password_stdin != !options.username.empty()) {
    print_error("--username and --password-stdin go together");
    return kExitUsage;
  }
  if (options.password_stdin) {
    // As docker login: the password never appears on a command line or in the environment.
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    options.pull.credentials = options.username + ":" + password;
  }
  std::string unreadable =
      unreadable_file("--ca-cert", options.pull.engine.ca_cert_file, "a PEM file of CA certificates");
  if (unreadable.empty())
    unreadable = unreadable_file("--authfile", options.pull.auth_file, "an auth.json file");
  if (!unreadable.empty()) {
    print_error(unreadable);
    return kExitUsage;
  }
  options.pull.engine.verify_tls = !options.insecure;

  const ProgressMode mode = choose_progress_mode(options.progress, options.quiet);
  ProgressDisplay display(mode, options.quiet);
  options.pull.engine.on_finished = [&display](const Result& result) { display.file_finished(result); };
  if (options.verbose) {
    trace_verbosely(options.pull.engine, display, mode);
  } else if (mode == ProgressMode::json || mode == ProgressMode::plain) {
    options.pull.engine.on_event = [&display](const TransferEvent& event) { display.transfer_event(event); };
  }
  // The engine the pull runs, while it runs: the display reads it, Ctrl-C cancels it.
  std::mutex engine_mutex;
  Engine* engine = nullptr;
  options.pull.on_planned = [&display](std::int64_t blobs, std::int64_t bytes) {
    display.set_plan(blobs, bytes, "blobs");
  };
  options.pull.on_engine = [&](Engine* current) {
    if (current) note_concurrency(*current, options.pull.engine.max_concurrent, display);
    std::lock_guard lock(engine_mutex);
    engine = current;
  };
  PullResult result;
  bool interrupted = false;
  {
    // Before any engine: its threads must inherit the blocked signals (see InterruptWatcher).
    InterruptWatcher interrupts([&] {
      display.print_line(
          "fetchpool: interrupted: stopping, partial blobs kept for the next pull (Ctrl-C again: exit now)");
      std::lock_guard lock(engine_mutex);
      if (engine) engine->cancel_all();
    });
    display.start([&]() -> ProgressSnapshot {
      std::lock_guard lock(engine_mutex);
      return engine ? engine->progress() : ProgressSnapshot{};
    });
    result = pull_image(options.pull);
    display.stop();
    interrupted = interrupts.interrupted();
  }
  if (interrupted) {
    print_console(stderr, "fetchpool: pull {}: interrupted; run it again to continue\n", what);
    return kExitInterrupted;
  }
  if (!result.ok) {
    print_console(stderr, "fetchpool: pull {}: {}\n", what, result.error);
    return kExitFailed;
  }
  if (!options.quiet) {
    for (const PulledImage& image : result.images)
      print_console(stderr, "pulled {} ({}) into {}, from {}\n", image.reference, image.manifest_digest,
                    options.output, image.served_by);
  }
  return kExitOk;
}

}  // namespace fetchpool::cli
