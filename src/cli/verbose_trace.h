#pragma once

#include <optional>
#include <string>

#include "cli/progress_display.h"
#include "fetchpool/options.h"
#include "fetchpool/progress.h"

namespace fetchpool::cli {

// What -v prints, as curl's -v does: "> " before what was sent, "< " before what was
// received, "* " before a note, each line led by the transfer's number so that concurrent
// transfers can be told apart ("[3] > GET /a.bin HTTP/1.1").

/// A header line or libcurl's note (already redacted by the engine).
std::string format_wire_line(const WireLine& line);

/// A transfer's attempt, redirect or retry as a note ("[3] * redirect to URL; ...").
std::string format_event_line(const TransferEvent& event);

/// Sends `engine`'s wire lines and events to `display` as -v prints them (in json mode the
/// events stay json events and the wire lines become message events).
void trace_verbosely(EngineOptions& engine, ProgressDisplay& display, ProgressMode mode);

}  // namespace fetchpool::cli
