#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/get_command.h"
#include "cli/input_list.h"
#include "cli/streamed_list.h"

namespace fetchpool::cli {

/// Where entries come from: the command line's URLs first, then the list: a file read
/// lazily, or standard input read as it is written (StreamedList).
class EntrySource {
 public:
  enum class Next { entry, later, end };

  /// `on_ready`: called from another thread when an entry of standard input becomes ready.
  EntrySource(const GetOptions& options, std::function<void()> on_ready)
      : options_(options), on_ready_(std::move(on_ready)) {}

  /// Opens the input list, if any; false with `error` set when it cannot be read.
  /// Standard input is read from the first next() on, on a thread started then (so start
  /// it after any signal setup that threads must inherit).
  bool open(std::string* error) {
    if (options_.input_file.empty() || options_.input_file == "-") return true;
    file_.open(std::filesystem::path(options_.input_file), std::ios::binary);
    if (!file_) {
      *error = "cannot read input list '" + options_.input_file + "'";
      return false;
    }
    reader_.emplace(file_);
    return true;
  }

  /// The next entry: `later` when standard input has none ready yet (see wait()).
  Next next(InputEntry* entry) {
    if (next_url_ < options_.urls.size()) {
      *entry = InputEntry{};
      entry->url = options_.urls[next_url_++];
      entry->out = options_.output;
      entry->checksum = options_.checksum;
      return Next::entry;
    }
    if (reader_) return reader_->next(entry) ? Next::entry : Next::end;
    if (options_.input_file != "-") return Next::end;
    if (!streamed_) streamed_ = std::make_unique<StreamedList>(on_ready_);
    switch (streamed_->take(entry)) {
      case StreamedList::Take::entry: return Next::entry;
      case StreamedList::Take::later: return Next::later;
      case StreamedList::Take::end: break;
    }
    return Next::end;
  }

  /// After next() said `later`: waits at most `timeout` for an entry.
  void wait(std::chrono::milliseconds timeout) {
    if (streamed_) streamed_->wait(timeout);
  }

 private:
  const GetOptions& options_;
  std::function<void()> on_ready_;
  std::size_t next_url_ = 0;
  std::ifstream file_;
  std::optional<InputListReader> reader_;
  std::unique_ptr<StreamedList> streamed_;
};

}  // namespace fetchpool::cli
