// cmd_demo.cpp: `strata demo` (being written; registers nothing yet).
#include "apps/strata/commands.hpp"

namespace strata::apps {

void add_demo_command(CLI::App& /*app*/) {}

}  // namespace strata::apps
