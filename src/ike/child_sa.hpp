// child_sa.hpp: what a negotiated CHILD SA (IKEv2) / IPsec SA pair (IKEv1)
// hands to the datapath.
//
// ChildSaKeys is the outcome of a negotiation: both SPIs, the algorithms, the
// keys of both directions, the narrowed selectors, mode and encapsulation.
// to_sa_configs() turns it into the inbound and outbound ipsec::SaConfig the
// SAD installs.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/secret.hpp"
#include "ike/proposal.hpp"
#include "ike/traffic_selector.hpp"
#include "ipsec/sa.hpp"
#include "packet/address.hpp"

namespace strata::ike {

// Endpoint is an address and UDP port.
struct Endpoint {
    packet::IpAddress address;
    std::uint16_t port = 500;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// ChildSaKeys is one negotiated CHILD SA: an inbound and an outbound SA.
// Move-only (it holds keys).
struct ChildSaKeys {
    std::uint32_t spi_in = 0;   // SPI this host chose: peers send to it
    std::uint32_t spi_out = 0;  // SPI the peer chose: this host sends with it
    ipsec::Protocol protocol = ipsec::Protocol::Esp;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    NegotiatedChild algorithms;
    // Keys per direction; for AEAD the encryption key ends with the salt
    // (RFC 4106 §8.1, RFC 7634 §2), as KEYMAT orders them (RFC 7296 §2.17).
    core::SecretBytes encryption_key_in;
    core::SecretBytes integrity_key_in;
    core::SecretBytes encryption_key_out;
    core::SecretBytes integrity_key_out;
    std::vector<TrafficSelector> local_ts;   // this host's side (narrowed)
    std::vector<TrafficSelector> remote_ts;  // the peer's side (narrowed)
    packet::IpAddress local;                 // outer addresses (IKE SA endpoints)
    packet::IpAddress remote;
    // udp_encap is set when ESP goes in UDP (RFC 3948): NAT detected or forced.
    std::optional<ipsec::UdpEncapsulation> udp_encap;
    std::uint32_t reqid = 0;  // free for the gateway to link SPD entries

    // to_sa_configs returns {inbound, outbound} SaConfigs for the SAD, with
    // lifetimes left at their defaults for the caller to fill.
    [[nodiscard]] std::pair<ipsec::SaConfig, ipsec::SaConfig> to_sa_configs() const;
};

}  // namespace strata::ike
