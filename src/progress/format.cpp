#include "progress/format.h"

#include <algorithm>
#include <cmath>

#include "text/printf.h"

namespace fetchpool::progress {

std::string format_bytes(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return text::printf_string("%lld B", static_cast<long long>(bytes));
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  // Round first, so 1023.96 KiB prints as "1.0 MiB", not "1024.0 KiB".
  while (std::round(value * 10) / 10 >= 1024.0 && unit < 5) {
    value /= 1024.0;
    ++unit;
  }
  return text::printf_string("%.1f %s", value, kUnits[unit]);
}

std::string format_rate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second < 0) bytes_per_second = 0;
  return format_bytes(static_cast<std::int64_t>(bytes_per_second)) + "/s";
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  if (seconds < 10) return text::printf_string("%.2f s", seconds);
  if (seconds < 60) return text::printf_string("%.1f s", seconds);
  auto whole = static_cast<std::int64_t>(seconds);
  if (whole < 3600)
    return text::printf_string("%lldm%02llds", static_cast<long long>(whole / 60),
                               static_cast<long long>(whole % 60));
  return text::printf_string("%lldh%02lldm", static_cast<long long>(whole / 3600),
                             static_cast<long long>((whole % 3600) / 60));
}

std::string format_size_compact(std::int64_t bytes) {
  // The summary's IEC names, so the live display and the summary say the same thing.
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1000)
    return text::printf_string("%lldB", static_cast<long long>(std::max<std::int64_t>(bytes, 0)));
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 999.5 && unit < 5) {
    value /= 1024.0;
    ++unit;
  }
  if (value < 99.95) return text::printf_string("%.1f%s", value, kUnits[unit]);
  return text::printf_string("%.0f%s", value, kUnits[unit]);
}

std::string format_rate_compact(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second < 0) bytes_per_second = 0;
  auto rate = static_cast<std::int64_t>(bytes_per_second);
  return format_size_compact(rate) + "/s";
}

std::string format_clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 360000) return "--:--";
  auto whole = static_cast<std::int64_t>(seconds);
  if (whole < 3600)
    return text::printf_string("%02lld:%02lld", static_cast<long long>(whole / 60),
                               static_cast<long long>(whole % 60));
  return text::printf_string("%lld:%02lld:%02lld", static_cast<long long>(whole / 3600),
                             static_cast<long long>((whole % 3600) / 60), static_cast<long long>(whole % 60));
}

std::string cut_for_message(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // a continuation byte
  return std::string(text.substr(0, end)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace fetchpool::progress
