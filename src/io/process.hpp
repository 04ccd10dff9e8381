// process.hpp: running a helper program (e.g. `ip route`) without a shell.
#pragma once

#include <string>
#include <vector>

#include "io/fd.hpp"

namespace strata::io {

// ProgramResult is how a helper program ended and what it wrote to stderr.
struct ProgramResult {
    int exit_status = -1;  // exit code, or -1 if it was killed by a signal
    std::string error_output;
};

// run_program runs argv[0] (looked up in PATH) with argv as its arguments,
// directly through posix_spawnp: no shell, so no argument is ever
// interpreted. stdin is /dev/null and stdout is discarded; stderr is captured.
IoResult<ProgramResult> run_program(const std::vector<std::string>& argv);

}  // namespace strata::io
