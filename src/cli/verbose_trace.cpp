#include "cli/verbose_trace.h"

#include <fmt/format.h>

#include "progress/format.h"

namespace fetchpool::cli {

std::string format_wire_line(const WireLine& line) {
  const char* lead = line.kind == WireLine::Kind::sent       ? ">"
                     : line.kind == WireLine::Kind::received ? "<"
                                                             : "*";
  return fmt::format("[{}] {} {}", line.id, lead, line.text);
}

std::string format_event_line(const TransferEvent& event) {
  switch (event.kind) {
    case TransferEvent::Kind::started:
      return fmt::format("[{}] * {} -> {} (attempt {}/{})", event.id, event.url,
                         event.path.empty() ? "memory" : event.path, event.attempt, event.max_attempts);
    case TransferEvent::Kind::redirected: return fmt::format("[{}] * redirect {}", event.id, event.message);
    case TransferEvent::Kind::split:
    case TransferEvent::Kind::named: return fmt::format("[{}] * {}", event.id, event.message);
    case TransferEvent::Kind::retrying: break;
  }
  return fmt::format("[{}] * retry in {} (attempt {}/{}): {}", event.id,
                     progress::format_duration(event.retry_in_s), event.attempt + 1, event.max_attempts,
                     event.message);
}

void trace_verbosely(EngineOptions& engine, ProgressDisplay& display, ProgressMode mode) {
  if (mode == ProgressMode::json) {
    engine.on_event = [&display](const TransferEvent& event) { display.transfer_event(event); };
  } else {
    engine.on_event = [&display](const TransferEvent& event) {
      display.print_line(format_event_line(event));
    };
  }
  engine.on_wire = [&display](const WireLine& line) { display.print_line(format_wire_line(line)); };
}

}  // namespace fetchpool::cli
