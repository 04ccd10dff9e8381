// cmd_demo.cpp: `strata demo`, the lecture played on real packets (demo_play.hpp).
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "apps/strata/commands.hpp"
#include "apps/strata/demo_play.hpp"

namespace strata::apps {

void add_demo_command(CLI::App& app) {
    auto o = std::make_shared<demo::Options>();
    auto no_color = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "demo",
        "Play the IPsec/TLS lecture on real packets: IKE between gateways C and D, A's packets to B through "
        "ESP (tunnel, transport) and AH, replay and spoofing refused, a CHILD SA rekey, TLS 1.3 through the "
        "tunnel; ends with a table of the checks (exit status 1 if one failed). No root, no configuration.");
    cmd->add_option("--ike", o->ike, "IKE version: 2 (default) or 1 (main mode + quick mode with PFS)")
        ->check(CLI::IsMember({1, 2}));
    cmd->add_option("--pcap", o->pcap, "Write every packet (LANs and the C-D link) to this pcap file");
    cmd->add_option("--keys", o->keys,
                    "Write DIR/esp_sa, DIR/ikev2_decryption_table (Wireshark tables) and DIR/sslkeylog.txt");
    cmd->add_flag("--json", o->json, "Print the summary as JSON on stdout (the story goes to stderr)");
    cmd->add_flag("--no-color", *no_color, "No ANSI colours");
    cmd->add_flag("-q,--quiet", o->quiet, "Print only failures and the summary table");
    cmd->callback([o, no_color]() {
        o->color = !*no_color && ::isatty(o->json ? STDERR_FILENO : STDOUT_FILENO) == 1;
        const int rc = demo::play(*o);
        std::fflush(stdout);
        if (rc != 0) throw ExitCode{rc};
    });
}

}  // namespace strata::apps
