#pragma once

#include <cstdint>
#include <string>

namespace fetchpool::progress {

/// "512 B", "16.0 KiB", "1.5 GiB": binary multiples (1 KiB = 1024 B), one decimal.
std::string format_bytes(std::int64_t bytes);

/// format_bytes(bytes per second) + "/s".
std::string format_rate(double bytes_per_second);

/// "0.42 s", "12.3 s", "3m05s", "1h02m".
std::string format_duration(double seconds);

}  // namespace fetchpool::progress
