// config.hpp: the gateway's configuration file (TOML).
//
// Names follow strongSwan's swanctl.conf where the concept is the same
// (local_addrs -> addresses, remote_addrs -> address, proposals,
// esp_proposals, local_ts, remote_ts, start_action, rekey_time, life_time,
// replay_window, dpd_delay). examples/gateway/*.toml are commented examples
// and docs/gateway.md is the reference. The shape:
//
//   [gateway]
//   addresses = ["198.51.100.1"]        # local addresses: IKE, NAT-T and ESP bind here
//   ike_port = 500                      # IKE
//   natt_port = 4500                    # NAT-T: IKE and UDP-encapsulated ESP (RFC 3948)
//   tun = "strata0"                     # TUN device name
//   tun_mtu = 1400
//   encapsulation = "udp"               # udp (default) | esp (raw IP protocol 50)
//   log_level = "info"                  # trace | debug | info | warn | error
//   control_socket = "/run/strata/gateway.sock"
//   workers = 0                         # datapath threads; 0 = one per core
//   manual = "site-a.toml"              # manual SAs and policies (config/manual_keying.hpp)
//
//   [peers.gw-d]                        # or [[peers]] with name = "gw-d"
//   address = "198.51.100.2"
//   remote_port = 500                   # the peer's IKE port (500 floats to 4500 on NAT-T)
//   version = 2                         # 2 (IKEv2, default) | 1 (IKEv1)
//   proposals = ["aes256-sha256-ecp256"]
//   local_id = "gw-c.example.org"
//   remote_id = "gw-d.example.org"
//   auth = "psk"                        # psk | pubkey
//   psk = "..."                         # or psk_file = "/etc/strata/gw-d.psk" (root only, 0600)
//   # pubkey: cert = "gw-c.pem" (ours, then intermediates), key = "gw-c.key" (root only, 0600),
//   #         cacert = "ca.pem" (the CA the peer's certificate must chain to)
//   dpd_delay = 30
//   rekey_time = "4h"
//
//   [peers.gw-d.children.net]
//   local_ts = ["192.0.2.0/24"]
//   remote_ts = ["203.0.113.0/24"]
//   mode = "tunnel"                     # tunnel | transport
//   esp_proposals = ["aes128gcm16-ecp256"]   # a DH group here asks for PFS
//   rekey_time = "1h"                   # also life_time, rekey_bytes, life_bytes, rekey_packets,
//                                       # life_packets
//   replay_window = 32
//   start_action = "none"               # start | trap | none
//   copy_dscp = "out"                   # out | in | yes | no (tunnel mode, RFC 4301 §5.1.2.1)
//   copy_ecn = true                     # ECN across the tunnel (RFC 6040)
//
// A refused file is reported as "FILE:LINE: reason", followed by the line.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/manual_keying.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_table.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "gateway/log.hpp"
#include "ipsec/sa.hpp"
#include "ipsec/selector.hpp"
#include "packet/address.hpp"

namespace strata::gateway {

using config::ConfigError;

// SourceRef is where a setting came from, for messages.
struct SourceRef {
    std::string file;
    std::uint32_t line = 0;
    // where returns "file:line".
    [[nodiscard]] std::string where() const;
};

// Encapsulation is how IKE-negotiated ESP travels: in UDP 4500 (RFC 3948,
// works through NAT) or as IP protocol 50.
enum class Encapsulation : std::uint8_t { Udp, Esp };
std::string_view to_string(Encapsulation e) noexcept;

// GatewaySection is the [gateway] table.
struct GatewaySection {
    std::vector<packet::IpAddress> addresses;
    std::uint16_t ike_port = 500;
    std::uint16_t natt_port = 4500;
    std::string tun = "strata0";
    int tun_mtu = 1400;
    Encapsulation encapsulation = Encapsulation::Udp;
    LogLevel log_level = LogLevel::Info;
    std::string control_socket = "/run/strata/gateway.sock";
    std::size_t workers = 0;  // 0: one per core
    std::string manual;       // manual-keying file, resolved against the config's directory ("" = none)
    SourceRef manual_at;
};

// AuthMethod is how a peer authenticates (swanctl's auth = psk | pubkey).
enum class AuthMethod : std::uint8_t { Psk, PubKey };
std::string_view to_string(AuthMethod a) noexcept;

// AuthConfig is a peer's authentication material. With pubkey (RFC 7296
// §2.15, signatures per RFC 7427) the files are read and checked when the
// configuration is parsed (at start, on SIGHUP and by --check), so a bad
// one is refused with the line that names it.
struct AuthConfig {
    AuthMethod method = AuthMethod::Psk;
    core::SecretBytes psk;  // inline or read from psk_file
    std::string psk_file;   // "" when inline
    std::string cert;       // pubkey: path of our certificate, then intermediates (PEM)
    std::string key;        // pubkey: path of our private key (PEM, root only, no group/other access)
    std::string cacert;     // pubkey: path of the CA certificate(s) the peer's chain must lead to
    std::vector<crypto::Certificate> certs;                 // cert's contents, ours first
    std::shared_ptr<const crypto::PrivateKey> private_key;  // key's contents; matches certs.front()
    std::vector<crypto::Certificate> cacerts;               // cacert's contents
    // fingerprint is the SHA-256 (hex) of the DER of certs and cacerts, so
    // that two configurations naming the same paths can still be told apart.
    std::string fingerprint;
};

// StartAction is what the gateway does with a child at start (swanctl).
enum class StartAction : std::uint8_t { None, Trap, Start };
std::string_view to_string(StartAction s) noexcept;

// ChildLifetimes are a child SA's rekey (soft) and life (hard) limits.
struct ChildLifetimes {
    std::chrono::seconds rekey_time{3600};  // swanctl defaults: 1h, life 110% of it
    std::chrono::seconds life_time{3960};
    std::uint64_t rekey_bytes = 0;
    std::uint64_t life_bytes = 0;
    std::uint64_t rekey_packets = 0;
    std::uint64_t life_packets = 0;
};

// ChildConfig is one CHILD_SA (IPsec SA pair) a peer negotiates.
struct ChildConfig {
    std::string name;
    SourceRef at;
    std::vector<packet::IpPrefix> local_ts;
    std::vector<packet::IpPrefix> remote_ts;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    std::vector<std::string> esp_proposals;  // as written, each validated
    ChildLifetimes lifetimes;
    std::uint32_t replay_window = 32;  // swanctl's default
    StartAction start_action = StartAction::None;
    // Tunnel mode: DSCP copying (swanctl copy_dscp: out | in | yes | no, RFC
    // 4301 §5.1.2.1) and ECN across the tunnel (copy_ecn, RFC 6040).
    ipsec::DscpCopy copy_dscp = ipsec::DscpCopy::Out;
    bool copy_ecn = true;
};

// PeerConfig is one IKE peer (swanctl's connections.<name>).
struct PeerConfig {
    std::string name;
    SourceRef at;
    packet::IpAddress address;
    std::optional<packet::IpAddress> local_address;  // default: the first gateway address of its family
    // remote_port (swanctl's connections.<conn>.remote_port): the peer's
    // IKE port. 500 floats to 4500 when NAT-T applies (RFC 7296 §2.23,
    // RFC 3947 §4); any other port is kept, so it is usually the peer's
    // NAT-T port (its natt_port / charon.port_nat_t).
    std::uint16_t remote_port = 500;
    int version = 2;
    std::vector<std::string> proposals;  // IKE proposals, each validated
    // local_id, remote_id: identities as strongSwan writes them (ike::parse_identity:
    // an address, an FQDN, user@host, or a DN "dn:CN=..." / any text with '=').
    // Empty local_id: the address (psk) or the certificate's subject DN
    // (pubkey). Empty remote_id: the peer's address (psk), or any identity
    // its certificate certifies (pubkey, swanctl's %any).
    std::string local_id;
    std::string remote_id;
    AuthConfig auth;
    std::chrono::seconds rekey_time{14400};  // IKE SA: swanctl's 4h
    std::chrono::seconds dpd_delay{30};
    std::vector<ChildConfig> children;
};

// ManualRoute is what routing needs of one manual outbound PROTECT
// policy (tun_routes.hpp): its selector's ranges and the far end of the
// SAs it uses. Kept after `manual` is handed to the datapath.
struct ManualRoute {
    ipsec::AddressRange local;
    ipsec::AddressRange remote;
    std::vector<packet::IpAddress> peers;  // dst of the outbound SAs of its reqid
};

// GatewayConfig is a whole parsed and validated configuration.
struct GatewayConfig {
    std::string path;
    GatewaySection gateway;
    std::vector<PeerConfig> peers;
    std::optional<config::ManualKeying> manual;  // loaded from gateway.manual
    std::vector<ManualRoute> manual_routes;      // from manual's outbound PROTECT policies
};

// parse_gateway_config parses TOML text; `origin` names it in messages and
// `base_dir` resolves relative paths (manual, psk_file, cert, key, cacert). The
// manual-keying file it names is loaded and checked too.
core::Result<GatewayConfig, ConfigError> parse_gateway_config(std::string_view text,
                                                              const std::string& origin,
                                                              const std::string& base_dir);

// load_gateway_config reads and parses a file.
core::Result<GatewayConfig, ConfigError> load_gateway_config(const std::string& path);

// check_runnable refuses a valid configuration this build cannot run: what
// the IKE service cannot do yet (ike_config.hpp, plan_peers: several
// children per peer), manual SAs without an outbound protect
// policy, and a gateway with neither peers nor manual SAs.
core::Result<void, ConfigError> check_runnable(const GatewayConfig& cfg);

// remote_prefixes returns the remote subnets the TUN device must route:
// the remote ranges of outbound PROTECT policies of the manual SAs, and
// the remote_ts of every child, without duplicates.
std::vector<packet::IpPrefix> remote_prefixes(const GatewayConfig& cfg);

// range_to_prefixes splits an inclusive address range into the fewest prefixes.
std::vector<packet::IpPrefix> range_to_prefixes(const packet::IpAddress& first,
                                                const packet::IpAddress& last);

// kMaxConfigBytes is the largest configuration file accepted.
inline constexpr std::size_t kMaxConfigBytes = 1 << 20;

}  // namespace strata::gateway
