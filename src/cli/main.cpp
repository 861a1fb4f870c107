#include <fmt/format.h>

#include <clocale>
#include <exception>

#include "cli/app.h"
#include "cli/console.h"

int main(int argc, char** argv) {
  // Character classes only (UTF-8 detection); numbers stay in the "C" format.
  std::setlocale(LC_CTYPE, "");
  try {
    return fetchpool::cli::run_app(argc, argv);
  } catch (const std::exception& e) {
    // Bad configuration that only shows once the engine starts (e.g. libcurl unusable).
    fetchpool::cli::print_error(e.what());
    return 2;
  }
}
