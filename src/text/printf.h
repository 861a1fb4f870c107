#pragma once

// printf into a std::string, for the library's few formatted numbers (fmt is a dependency
// of the command line only, so that the installed library needs nothing beyond libcurl,
// OpenSSL, zlib and zstd).

#include <cstdarg>
#include <cstdio>
#include <string>

namespace fetchpool::text {

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
inline std::string
printf_string(const char* format, ...) {
  char small[128];
  va_list args;
  va_start(args, format);
  int needed = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (needed < 0) return std::string();
  if (static_cast<std::size_t>(needed) < sizeof small)
    return std::string(small, static_cast<std::size_t>(needed));
  std::string out(static_cast<std::size_t>(needed) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(out.data(), out.size(), format, args);
  va_end(args);
  out.resize(static_cast<std::size_t>(needed));
  return out;
}

}  // namespace fetchpool::text
