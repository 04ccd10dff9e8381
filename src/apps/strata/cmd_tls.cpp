// cmd_tls.cpp: `strata tls` (being written; registers nothing yet).
#include "apps/strata/commands.hpp"

namespace strata::apps {

void add_tls_command(CLI::App& /*app*/) {}

}  // namespace strata::apps
