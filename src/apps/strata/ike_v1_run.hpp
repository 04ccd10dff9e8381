// ike_v1_run.hpp: `strata ike --ike 1`: the IKEv1 engine (ike/v1) over UDP
// 500 and 4500 against one peer, printing the same events as the IKEv2 run.
#pragma once

#include <string>
#include <vector>

#include "apps/strata/ike_options.hpp"
#include "ike/v1/engine.hpp"

namespace strata::apps {

// run_ikev1 runs one IKEv1 engine until --events events, --timeout, or
// SIGTERM/SIGINT (then it sends DELETEs for every SA). Returns the exit
// status; a bad option throws ExitCode{2} after printing why.
int run_ikev1(const IkeOptions& opts);

// write_ikev1_keylog writes Wireshark's ikev1_decryption_table (initiator
// cookie, encryption key) for every ISAKMP SA with keys; false if the file
// cannot be written.
bool write_ikev1_keylog(const std::string& path, const std::vector<ike::v1::IkeInfo>& sas);

}  // namespace strata::apps
