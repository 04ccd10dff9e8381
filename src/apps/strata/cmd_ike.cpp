// cmd_ike.cpp: `strata ike` (being written; registers nothing yet).
#include "apps/strata/commands.hpp"

namespace strata::apps {

void add_ike_command(CLI::App& /*app*/) {}

}  // namespace strata::apps
