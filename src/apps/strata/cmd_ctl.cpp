// cmd_ctl.cpp: `strata ctl` (being written; registers nothing yet).
#include "apps/strata/commands.hpp"

namespace strata::apps {

void add_ctl_command(CLI::App& /*app*/) {}

}  // namespace strata::apps
