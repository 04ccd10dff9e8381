// selector.hpp: traffic selectors (RFC 4301 §4.4.1.1) and a packet's fields.
//
// A Selector is what an SPD entry or an SA protects: local and remote address
// ranges, the next-layer protocol, local and remote port ranges (TCP, UDP,
// SCTP) or ICMP type and code. "local" and "remote" are from this host's point
// of view: outbound, local is the source; inbound, local is the destination.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ipsec/drop.hpp"
#include "packet/address.hpp"

namespace strata::ipsec {

// kAnyProtocol in a Selector matches every next-layer protocol.
inline constexpr std::uint8_t kAnyProtocol = 0;

// AddressRange is an inclusive range of addresses of one IP version.
struct AddressRange {
    packet::IpAddress first;
    packet::IpAddress last;

    // from_prefix returns the range a prefix covers.
    static AddressRange from_prefix(const packet::IpPrefix& p) noexcept;
    // any returns the whole address space of version v.
    static AddressRange any(packet::IpVersion v) noexcept;
    // contains is true if a has this range's version and lies within it.
    [[nodiscard]] bool contains(const packet::IpAddress& a) const noexcept;
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const AddressRange&, const AddressRange&) = default;
};

// PortRange is an inclusive port range; the default is every port.
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 65535;

    [[nodiscard]] bool any() const noexcept { return first == 0 && last == 65535; }
    [[nodiscard]] bool contains(std::uint16_t p) const noexcept { return p >= first && p <= last; }
    friend bool operator==(const PortRange&, const PortRange&) = default;
};

// Selector is one set of traffic selectors.
struct Selector {
    AddressRange local;
    AddressRange remote;
    std::uint8_t protocol = kAnyProtocol;
    PortRange local_ports;                  // TCP/UDP/SCTP only
    PortRange remote_ports;                 // TCP/UDP/SCTP only
    std::optional<std::uint8_t> icmp_type;  // ICMP/ICMPv6 only; unset: any
    std::optional<std::uint8_t> icmp_code;
    friend bool operator==(const Selector&, const Selector&) = default;
};

// PacketFields are the selector-relevant fields of one IP packet.
struct PacketFields {
    packet::IpAddress src;
    packet::IpAddress dst;
    std::uint8_t protocol = 0;  // upper-layer protocol after IPv6 extension headers
    bool has_ports = false;     // TCP, UDP, SCTP with their ports present
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    bool has_icmp = false;
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    bool is_fragment = false;  // a non-first fragment carries no ports (RFC 4301 §7)
    friend bool operator==(const PacketFields&, const PacketFields&) = default;
};

// extract_fields parses an IPv4 or IPv6 packet (through the bounded packet/
// parsers) and returns its selector fields; Drop::Malformed if it does not
// parse.
core::Result<PacketFields, Drop> extract_fields(core::ByteView ip_packet) noexcept;

// Direction says which end of a packet is local.
enum class Direction : std::uint8_t { Inbound, Outbound };

// matches is true if the packet's fields fall within the selector, read from
// the given direction (outbound: local = source; inbound: local = destination).
bool matches(const Selector& s, const PacketFields& f, Direction dir) noexcept;

}  // namespace strata::ipsec
