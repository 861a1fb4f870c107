#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fetchpool::progress {

/// How much of a value a message quotes (see cut_for_message).
inline constexpr std::size_t kMessageValueBytes = 200;

/// "512 B", "16.0 KiB", "1.5 GiB": binary multiples (1 KiB = 1024 B), one decimal.
std::string format_bytes(std::int64_t bytes);

/// format_bytes(bytes per second) + "/s".
std::string format_rate(double bytes_per_second);

/// "0.42 s", "12.3 s", "3m05s", "1h02m".
std::string format_duration(double seconds);

/// tqdm-style compact size with format_bytes's IEC units and no space: "512B", "16.0KiB",
/// "450MiB", "1.0GiB" (three significant digits: one decimal below 100 of a unit).
std::string format_size_compact(std::int64_t bytes);

/// format_size_compact of a rate, with "/s": "36.5MiB/s", "980KiB/s", "0B/s".
std::string format_rate_compact(double bytes_per_second);

/// A clock: "00:12", "59:59", "1:02:03"; "--:--" when unknown (negative or not finite).
std::string format_clock(double seconds);

/// `text` as it may appear in a message: whole up to `max_bytes`, else its first
/// `max_bytes` (never splitting a UTF-8 character) + "... (N bytes)", N its full length.
/// A line of a list can be any length; a message quoting it must stay readable.
std::string cut_for_message(std::string_view text, std::size_t max_bytes = kMessageValueBytes);

}  // namespace fetchpool::progress
