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
#include "core/reader.hpp"
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

// Ipv4Flow is what the SPD sees of an IPv4 packet, as raw header words:
// two packets with equal flows (both read by view_ipv4_flow) have equal
// PacketFields, so the SPD decision made for one holds for the other
// (RFC 4301 §4.4.1: the selectors are addresses, protocol, ports or ICMP
// type and code).
struct Ipv4Flow {
    std::uint32_t src = 0;
    std::uint32_t dst = 0;
    // upper: the ports (TCP, UDP, SCTP), ICMP type and code in the high 16
    // bits (low 16 zero), or 0 for any other protocol: exactly what
    // view_ip reads into PacketFields past the header.
    std::uint32_t upper = 0;
    std::uint8_t protocol = 0;
    friend bool operator==(const Ipv4Flow&, const Ipv4Flow&) = default;
};

// view_ipv4_flow is view_ip's fast case, for the packets a datapath mostly
// sees: IPv4 with a 20-byte header (IHL 5), not a fragment, at least 4
// bytes after the header. For such a packet it fills flow and layout (layout
// exactly as view_ip would) and returns true; for any other it returns false
// and the caller takes view_ip. The checksum is not verified (as
// Ipv4Checksum::Skip). One Reader over the first 24 bytes: constant bounds,
// six loads. With Ipv4Checksum::Verify a header whose checksum is wrong is
// refused too (false: view_ip then reports it as Malformed).
[[gnu::always_inline]] inline bool view_ipv4_flow(core::ByteView pkt, Ipv4Flow& flow, IpLayout& l,
                                                  Ipv4Checksum check = Ipv4Checksum::Skip) noexcept {
    constexpr std::size_t kRead = 24;  // the 20-byte header and 4 bytes after it
    if (pkt.size() < kRead) return false;
    core::Reader r(pkt.first<kRead>());
    const std::uint32_t w0 = r.u32().value_or(0);  // version, IHL, TOS, total length
    const std::uint32_t w1 = r.u32().value_or(0);  // identification, flags, fragment offset
    const std::uint32_t w2 = r.u32().value_or(0);  // TTL, protocol, header checksum
    const std::uint32_t w3 = r.u32().value_or(0);  // source
    const std::uint32_t w4 = r.u32().value_or(0);  // destination
    const std::uint32_t w5 = r.u32().value_or(0);  // first 4 bytes of the upper header
    const std::size_t total = w0 & 0xffffU;
    // RFC 791 §3.1: version 4, IHL 5; MF clear and offset 0 (a whole datagram).
    if ((w0 >> 24) != 0x45U || (w1 & 0x3fffU) != 0 || total < kRead || total > pkt.size()) return false;
    if (check == Ipv4Checksum::Verify) {
        // RFC 1071 §1(3): the header summed with its checksum in place gives
        // all ones; summed in 32-bit words and folded (RFC 1071 §2(A)).
        std::uint64_t sum = std::uint64_t{w0} + w1 + w2 + w3 + w4;
        sum = (sum & 0xffffffffU) + (sum >> 32);
        sum = (sum & 0xffffU) + (sum >> 16);
        sum = (sum & 0xffffU) + (sum >> 16);
        sum = (sum & 0xffffU) + (sum >> 16);
        if (sum != 0xffffU) return false;
    }
    const auto protocol = static_cast<std::uint8_t>(w2 >> 16);
    std::uint32_t mask = 0;
    if (protocol == 6 || protocol == 17 || protocol == 132) mask = 0xffffffffU;  // TCP, UDP, SCTP ports
    if (protocol == 1 || protocol == 58) mask = 0xffff0000U;                     // ICMP(v6) type, code
    flow.src = w3;
    flow.dst = w4;
    flow.upper = w5 & mask;
    flow.protocol = protocol;
    l.version = packet::IpVersion::V4;
    l.length = total;
    l.insert_offset = 20;
    l.next_header_field = 9;  // RFC 791 §3.1: Protocol
    l.next_header = protocol;
    l.tos = static_cast<std::uint8_t>(w0 >> 16);
    l.dont_fragment = (w1 & 0x4000U) != 0;  // DF
    l.fragment = false;
    return true;
}

// InnerSelectors is what tunnel-mode decapsulation read of the inner packet
// for the inbound SPD check (RFC 4301 §5.2 step 4): its Ipv4Flow when
// view_ipv4_flow read it (the fast case; fields are then not filled), else
// its PacketFields.
struct InnerSelectors {
    bool have_flow = false;
    Ipv4Flow flow;
    bool have_fields = false;
    PacketFields fields;
};

}  // namespace strata::ipsec
