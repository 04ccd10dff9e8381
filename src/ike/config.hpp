// config.hpp: how an IKE engine is configured (both versions).
//
// A ConnectionConfig describes one peer: addresses, identities, the PSK,
// proposals, traffic selectors and timers. EngineConfig holds the
// connections and the engine-wide DoS settings. The gateway builds these from
// its configuration file; `strata ike` builds one from flags or TOML.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_table.hpp"
#include "ike/identity.hpp"
#include "ike/traffic_selector.hpp"
#include "ipsec/sa.hpp"
#include "packet/address.hpp"

namespace strata::ike {

// RetransmitConfig: a request is sent again after initial, then each wait is
// multiplied by backoff, up to `tries` sends in all; then the IKE SA is
// given up (RFC 7296 §2.1, §2.4).
struct RetransmitConfig {
    core::Duration initial = std::chrono::seconds(2);
    double backoff = 1.8;
    unsigned tries = 5;
};

// ConnectionConfig describes one peer. Move-only (it holds the PSK).
struct ConnectionConfig {
    std::string name = "conn";
    packet::IpAddress local_address;
    packet::IpAddress remote_address;
    std::uint16_t local_port = 500;   // IKE source port before NAT-T
    std::uint16_t remote_port = 500;  // IKE destination port before NAT-T
    Identity local_id;
    Identity remote_id;  // the identity the peer must prove
    core::SecretBytes psk;
    std::vector<crypto::Proposal> ike_proposals;  // ike::parse_proposals(..., Ike)
    std::vector<crypto::Proposal> esp_proposals;  // ike::parse_proposals(..., Esp)
    std::vector<TrafficSelector> local_ts;
    std::vector<TrafficSelector> remote_ts;
    ipsec::Mode mode = ipsec::Mode::Tunnel;  // Transport: USE_TRANSPORT_MODE is requested
    // force_encap makes this host claim to be behind a NAT (a fake
    // NAT_DETECTION_SOURCE_IP, as strongSwan's encap=yes) so that ESP is
    // UDP-encapsulated in any case.
    bool force_encap = false;
    RetransmitConfig retransmit;
    // dpd_interval: an idle IKE SA sends an empty INFORMATIONAL this often
    // (0: never).
    core::Duration dpd_interval{0};
};

// EngineConfig is everything an engine runs with.
struct EngineConfig {
    std::vector<ConnectionConfig> connections;
    // cookie_threshold: once this many responder IKE SAs are half-open, new
    // IKE_SA_INIT requests must carry a COOKIE (RFC 7296 §2.6).
    std::size_t cookie_threshold = 64;
    // max_half_open: beyond this, IKE_SA_INIT requests are dropped outright.
    std::size_t max_half_open = 4096;
    // half_open_timeout: a responder SA without IKE_AUTH is dropped after this.
    core::Duration half_open_timeout = std::chrono::seconds(30);
};

}  // namespace strata::ike
