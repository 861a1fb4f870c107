#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace fetchpool::cli {

/// Reads a --report file, handing each transfer entry to `on_entry` in order, then its
/// summary to `*summary`. fetchpool writes a report one transfer per line, so such a file
/// is read line by line and a report of millions of entries is never held whole; a report
/// in another layout (re-indented by a tool, say) is parsed whole instead. False with
/// `error` (naming the file) when it cannot be read or is no report: then some entries
/// may have been handed over already.
bool read_report(const std::string& path, const std::function<void(const nlohmann::json&)>& on_entry,
                 nlohmann::json* summary, std::string* error);

}  // namespace fetchpool::cli
