#pragma once

#include <string>

#include "cli/get_command.h"

namespace fetchpool::cli {

/// -o as curl and wget take it. A name with a directory part (`-o sub/x.iso`,
/// `-o ../x.iso`, `-o /srv/x.iso`) is the user's own choice on the command line: the file
/// goes there (a relative path is taken from -d, as curl's --output-dir), so `directory`
/// becomes that path's directory and `output` its last component. Names that come from a
/// list, a server or Content-Disposition stay confined to -d; only -o is the user's.
/// False (with `error`) when -o names no file (`-o dir/`).
bool place_output(GetOptions* options, std::string* error);

/// `-o -`: the one URL's body goes to standard output, and only once it is complete and
/// verified (retries and resumes happen before a byte is written, unlike curl, which
/// streams): it is downloaded into a private temporary directory, copied to stdout and
/// removed. `run` does the download; the exit status is its, or 1 when stdout fails.
int run_to_stdout(GetOptions options, int (*run)(const GetOptions&));

}  // namespace fetchpool::cli
