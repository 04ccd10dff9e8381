// manual_keying.hpp: static SAs and policies from a TOML file (what setkey
// or `ip xfrm` configure by hand), for tests, benchmarks, `strata pcap` and
// the gateway's IKE-less peers.
//
// The format (examples/manual/*.toml has commented examples):
//
//   [[sa]]                      # one Security Association
//   name = "a-to-b"
//   direction = "out"           # out | in
//   protocol = "esp"            # esp | ah
//   mode = "tunnel"             # tunnel | transport
//   spi = 0x00001001
//   src = "203.0.113.1"         # tunnel: outer endpoints; transport: the hosts
//   dst = "203.0.113.2"
//   encryption = "aes256gcm16"  # strongSwan keywords (ESP only)
//   encryption_key = "0x..."    # key, then salt for AEADs (RFC 4106 §8.1)
//   integrity = "sha256"        # not with an AEAD
//   integrity_key = "0x..."
//   esn = true
//   replay_window = 1024        # inbound only; 32..4096
//   reqid = 1                   # links outbound SAs to PROTECT policies
//   udp_encap = true            # RFC 3948 on port 4500 (or a table of ports)
//   copy_dscp = "out"           # tunnel: out | in | yes | no (RFC 4301 §5.1.2.1)
//   copy_ecn = true             # tunnel: RFC 6040 ECN at both ends
//   lifetime = { soft_packets = 0, hard_packets = 0, soft_bytes = 0, hard_bytes = 0,
//                soft_seconds = 0, hard_seconds = 0 }
//
//   [[policy]]                  # one SPD entry
//   name = "lan-to-lan"
//   direction = "out"           # out | in
//   local = "192.0.2.0/24"      # prefix, single address, or "first-last" range
//   remote = "198.51.100.0/24"
//   protocol = "any"            # any | tcp | udp | icmp | ipv6-icmp | number
//   local_ports = "any"         # "any", "443" or "1024-65535"
//   remote_ports = "any"
//   icmp_type = 8               # optional; ICMP only
//   icmp_code = 0
//   action = "protect"          # protect | bypass | discard
//   priority = 10               # lower first (default: file order)
//   protect = ["esp"]           # or ["ah"], or ["esp", "ah"] for a bundle
//   mode = "tunnel"
//   tunnel_src = "203.0.113.1"
//   tunnel_dst = "203.0.113.2"
//   reqid = 1
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"
#include "core/result.hpp"
#include "ipsec/sa.hpp"
#include "ipsec/sad.hpp"
#include "ipsec/spd.hpp"

namespace strata::config {

// ManualKeying is a parsed manual-keying file.
struct ManualKeying {
    std::vector<std::string> sa_names;  // parallel to sas
    std::vector<ipsec::SaConfig> sas;
    std::vector<ipsec::Policy> policies;  // in file order
};

// parse_manual_keying parses TOML text (`origin` names it in messages).
core::Result<ManualKeying, ConfigError> parse_manual_keying(std::string_view text, const std::string& origin);

// load_manual_keying reads and parses a file.
core::Result<ManualKeying, ConfigError> load_manual_keying(const std::string& path);

// install builds every SA (keyed once) into sad and every policy into spd.
// Fails with the first SA or policy refused, naming it.
core::Result<void, ConfigError> install(ManualKeying& mk, ipsec::Sad& sad, ipsec::Spd& spd,
                                        core::Instant now);

}  // namespace strata::config
