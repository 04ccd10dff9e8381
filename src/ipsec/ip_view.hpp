// ip_view.hpp: one parse of an IP packet serves every stage of the datapath.
//
// The SPD needs a packet's selector fields (addresses, protocol, ports, ICMP
// type/code); ESP and AH need its layout (where the IPsec header goes, the
// TOS, DF, length). IpView reads both in one pass over the header through
// core::Reader, so the Processor parses a packet once and hands the layout
// down to ESP instead of each stage parsing it again.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/selector.hpp"
#include "ipsec/tunnel.hpp"

namespace strata::ipsec {

// Ipv4Checksum says whether view_ip verifies an IPv4 header checksum: a
// received packet's is verified (RFC 791 §3.1); one this host is about to
// protect is rewritten anyway.
enum class Ipv4Checksum : std::uint8_t { Verify, Skip };

// IpView is what one parse of an IP packet yields.
struct IpView {
    PacketFields fields;  // as extract_fields returns them
    IpLayout layout;      // as outbound_layout returns it (insert offset after the IPv4 header
                          // or at the IPv6 ESP insertion point); layout.fragment tells
                          // whether the packet is a fragment
};

// view_ip parses an IPv4 or IPv6 packet once into out. Drop::Malformed if it
// does not parse (or, with Verify, if its IPv4 header checksum is wrong); out
// is then unspecified. Fragments parse: fields.is_fragment marks a non-first
// fragment (no ports) and layout.fragment any fragment that is not a whole
// datagram. (The view is filled in place rather than returned in a Result:
// it is ~90 bytes, and copying it twice per packet showed in the profile.)
core::Result<void, Drop> view_ip(core::ByteView ip_packet, Ipv4Checksum check, PacketFields& fields,
                                 IpLayout& layout) noexcept;

// view_ip into an IpView.
inline core::Result<void, Drop> view_ip(core::ByteView ip_packet, Ipv4Checksum check, IpView& out) noexcept {
    return view_ip(ip_packet, check, out.fields, out.layout);
}

}  // namespace strata::ipsec
