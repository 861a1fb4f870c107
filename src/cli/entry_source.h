#pragma once

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "cli/get_command.h"
#include "cli/input_list.h"

namespace fetchpool::cli {

/// Where entries come from: the command line's URLs first, then the list, read lazily.
class EntrySource {
 public:
  explicit EntrySource(const GetOptions& options) : options_(options) {}

  /// Opens the input list, if any; false with `error` set when it cannot be read.
  bool open(std::string* error) {
    if (options_.input_file.empty()) return true;
    if (options_.input_file == "-") {
      reader_.emplace(std::cin);
      return true;
    }
    file_.open(std::filesystem::path(options_.input_file), std::ios::binary);
    if (!file_) {
      *error = "cannot read input list '" + options_.input_file + "'";
      return false;
    }
    reader_.emplace(file_);
    return true;
  }

  /// The next entry; false when both the arguments and the list are exhausted.
  bool next(InputEntry* entry) {
    if (next_url_ < options_.urls.size()) {
      *entry = InputEntry{};
      entry->url = options_.urls[next_url_++];
      entry->out = options_.output;
      entry->checksum = options_.checksum;
      return true;
    }
    return reader_ && reader_->next(entry);
  }

 private:
  const GetOptions& options_;
  std::size_t next_url_ = 0;
  std::ifstream file_;
  std::optional<InputListReader> reader_;
};

}  // namespace fetchpool::cli
