// strata: the command-line front end. Each subcommand lives in its own file
// and runs from its CLI11 callback; main only assembles them.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "apps/strata/commands.hpp"

int main(int argc, char** argv) {
    try {
        CLI::App app{"Strata: IPsec and TLS"};
        app.require_subcommand(1);
        strata::apps::add_basic_commands(app);
        strata::apps::add_pcap_command(app);
        strata::apps::add_tls_command(app);
        strata::apps::add_ike_command(app);
        strata::apps::add_gateway_command(app);
        strata::apps::add_ctl_command(app);
        strata::apps::add_demo_command(app);
        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            return app.exit(e);
        }
    } catch (const strata::apps::ExitCode& code) {
        return code.value;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "strata: %s\n", e.what());
        return 1;
    } catch (...) {
        std::fprintf(stderr, "strata: unexpected error\n");
        return 1;
    }
    return 0;
}
