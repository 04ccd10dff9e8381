// commands.hpp: each `strata` subcommand registers itself on the CLI app.
#pragma once

#include <CLI/CLI.hpp>

namespace strata::apps {

// ExitCode is thrown by a subcommand's callback to end the program with a
// status other than 0 (CLI11 callbacks return nothing).
struct ExitCode {
    int value;
};

// add_basic_commands adds `version` and `selftest`.
void add_basic_commands(CLI::App& app);
// add_pcap_command adds `pcap protect|unprotect`.
void add_pcap_command(CLI::App& app);
// add_tls_command adds `tls client|server` (cmd_tls.cpp).
void add_tls_command(CLI::App& app);
// add_ike_command adds `ike`, one IKE engine over UDP without a datapath,
// for interop tests and learners (cmd_ike.cpp).
void add_ike_command(CLI::App& app);
// add_gateway_commands adds `gateway` and `ctl` (cmd_gateway.cpp, cmd_ctl.cpp).
void add_gateway_command(CLI::App& app);
void add_ctl_command(CLI::App& app);
// add_demo_command adds `demo`, the lecture played on real packets (cmd_demo.cpp).
void add_demo_command(CLI::App& app);

}  // namespace strata::apps
