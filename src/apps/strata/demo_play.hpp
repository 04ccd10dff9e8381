// demo_play.hpp: `strata demo`, the lecture played on real packets.
//
// Four actors in one process: host A (192.0.2.10) behind gateway C
// (203.0.113.1), host B (198.51.100.20) behind gateway D (203.0.113.2).
// C and D run real IKE engines and the real datapath and talk over loopback
// UDP sockets (demo_net.hpp); A and B are packets the demo builds.
#pragma once

#include <string>

namespace strata::apps::demo {

struct Options {
    int ike = 2;         // 2: IKEv2; 1: IKEv1 (main mode, quick mode with PFS)
    std::string pcap;    // write every packet here
    std::string keys;    // write esp_sa, ikev2_decryption_table, sslkeylog.txt here
    bool json = false;   // machine-readable summary on stdout
    bool color = true;   // ANSI colours (off: --no-color, or not a terminal)
    bool quiet = false;  // only the checks and the summary
};

// play runs the demo and returns the exit status: 0 when every check
// passed, 1 when one failed, 2 when the demo could not start.
int play(const Options& o);

}  // namespace strata::apps::demo
