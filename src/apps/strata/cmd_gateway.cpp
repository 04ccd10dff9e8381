// cmd_gateway.cpp: `strata gateway` (being written; registers nothing yet).
#include "apps/strata/commands.hpp"

namespace strata::apps {

void add_gateway_command(CLI::App& /*app*/) {}

}  // namespace strata::apps
