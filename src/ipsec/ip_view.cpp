#include "ipsec/ip_view.hpp"

#include <new>
#include <type_traits>

#include "core/reader.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::ipsec {

using core::fail;

namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kSctp = 132;
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIcmpv6 = 58;
constexpr std::uint16_t kFlagDontFragment = 0x4000;  // RFC 791 §3.1: DF in flags|offset
constexpr std::uint16_t kFlagMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;

// read_upper fills ports or ICMP type/code from the upper-layer header. A
// header too short to hold them leaves them absent (OPAQUE, RFC 4301 §4.4.1.1).
inline void read_upper(PacketFields& f, core::ByteView upper) noexcept {
    core::Reader r(upper);
    if (f.protocol == kTcp || f.protocol == kUdp || f.protocol == kSctp) {
        auto sp = r.u16();
        auto dp = r.u16();
        if (sp && dp) {
            f.has_ports = true;
            f.src_port = *sp;
            f.dst_port = *dp;
        }
    } else if (f.protocol == kIcmp || f.protocol == kIcmpv6) {
        auto t = r.u8();
        auto c = r.u8();
        if (t && c) {
            f.has_icmp = true;
            f.icmp_type = *t;
            f.icmp_code = *c;
        }
    }
}

// fold16 folds a sum of 32-bit header words into a 16-bit one's complement
// sum: RFC 1071 §2(A) allows summing in wider words and folding the carries
// back in at the end, whatever the word size.
std::uint64_t fold16(std::uint64_t sum) noexcept {
    sum = (sum & 0xffffffffU) + (sum >> 32);
    sum = (sum & 0xffffU) + (sum >> 16);
    sum = (sum & 0xffffU) + (sum >> 16);
    return (sum & 0xffffU) + (sum >> 16);
}

// view_ipv4 reads the IPv4 header (RFC 791 §3.1) as five 32-bit words and the
// options after them, summing the words for the checksum as it goes.
core::Result<void, Drop> view_ipv4(core::ByteView pkt, Ipv4Checksum check, PacketFields& f,
                                   IpLayout& l) noexcept {
    if (pkt.size() < packet::kIpv4MinHeaderLength) return fail(Drop::Malformed);
    // A Reader over exactly the fixed 20 bytes: its bounds are constants, so
    // the five reads are five loads with no checks left.
    core::Reader r(pkt.first<packet::kIpv4MinHeaderLength>());
    const std::uint32_t w0 = r.u32().value_or(0);  // version, IHL, TOS, total length
    const std::uint32_t w1 = r.u32().value_or(0);  // identification, flags, fragment offset
    const std::uint32_t w2 = r.u32().value_or(0);  // TTL, protocol, header checksum
    const std::uint32_t w3 = r.u32().value_or(0);  // source
    const std::uint32_t w4 = r.u32().value_or(0);  // destination
    if ((w0 >> 28) != 4) return fail(Drop::Malformed);
    const std::size_t ihl = static_cast<std::size_t>((w0 >> 24) & 0x0fU) * 4;
    const auto total = static_cast<std::size_t>(w0 & 0xffffU);
    // RFC 791 §3.1: IHL at least 5; the total length covers the header and
    // lies within the bytes present (link padding may follow).
    if (ihl < packet::kIpv4MinHeaderLength || total < ihl || total > pkt.size()) return fail(Drop::Malformed);
    if (check == Ipv4Checksum::Verify) {
        std::uint64_t sum = std::uint64_t{w0} + w1 + w2 + w3 + w4;
        core::Reader opts(pkt.subspan(packet::kIpv4MinHeaderLength, ihl - packet::kIpv4MinHeaderLength));
        while (!opts.empty()) {
            auto opt = opts.u32();  // ihl is a multiple of 4
            if (!opt) return fail(Drop::Malformed);
            sum += *opt;
        }
        // RFC 1071 §1(3): a header summed with its checksum in place gives all ones.
        if (fold16(sum) != 0xffffU) return fail(Drop::Malformed);
    }
    // (Options need no reading otherwise: ihl <= total <= pkt.size() was checked.)
    const auto flags_offset = static_cast<std::uint16_t>(w1 & 0xffffU);
    const auto protocol = static_cast<std::uint8_t>(w2 >> 16);

    // Every field is assigned (no zeroing of the whole view first: this runs
    // for every packet).
    // The addresses are built in place (guaranteed copy elision): assigning
    // the returned values copied them right after the callee's byte stores,
    // a store-forwarding stall the profile showed on every packet.
    // IpAddress is trivially destructible, so its storage is simply reused.
    static_assert(std::is_trivially_destructible_v<packet::IpAddress>);
    ::new (static_cast<void*>(&f.src)) packet::IpAddress(packet::IpAddress::v4(w3));
    ::new (static_cast<void*>(&f.dst)) packet::IpAddress(packet::IpAddress::v4(w4));
    f.protocol = protocol;
    f.has_ports = false;
    f.src_port = 0;
    f.dst_port = 0;
    f.has_icmp = false;
    f.icmp_type = 0;
    f.icmp_code = 0;
    f.is_fragment = (flags_offset & kFragmentOffsetMask) != 0;  // no ports past the first (RFC 4301 §7)
    if (!f.is_fragment) read_upper(f, pkt.subspan(ihl, total - ihl));

    l.version = packet::IpVersion::V4;
    l.length = total;
    l.insert_offset = ihl;
    l.next_header_field = 9;  // RFC 791 §3.1: Protocol
    l.next_header = protocol;
    l.tos = static_cast<std::uint8_t>(w0 >> 16);
    l.dont_fragment = (flags_offset & kFlagDontFragment) != 0;
    l.fragment = (flags_offset & (kFlagMoreFragments | kFragmentOffsetMask)) != 0;
    return {};
}

core::Result<void, Drop> view_ipv6(core::ByteView pkt, PacketFields& f, IpLayout& l) noexcept {
    auto p = packet::parse_ipv6(pkt);
    if (!p) return fail(Drop::Malformed);
    f = PacketFields{};
    l = IpLayout{};
    f.src = p->header.src;
    f.dst = p->header.dst;
    f.protocol = p->upper_protocol;
    f.is_fragment = p->fragment.has_value() && p->fragment->offset != 0;
    if (!f.is_fragment) read_upper(f, p->upper);

    l.version = packet::IpVersion::V6;
    l.length = packet::kIpv6HeaderLength + p->header.payload_length;
    // RFC 4303 §3.1.1 / RFC 4302 §3.1.1: after hop-by-hop, routing and
    // fragment headers; destination options may come after.
    l.insert_offset = p->esp_insert_offset;
    l.next_header_field = p->esp_next_header_field;
    l.next_header = p->esp_next_header;
    l.tos = p->header.traffic_class;
    // An atomic fragment (offset 0, M clear: RFC 6946 §4) is a whole datagram.
    l.fragment = p->fragment.has_value() && (p->fragment->offset != 0 || p->fragment->more);
    return {};
}

}  // namespace

core::Result<void, Drop> view_ip(core::ByteView ip_packet, Ipv4Checksum check, PacketFields& fields,
                                 IpLayout& layout) noexcept {
    auto first = core::Reader(ip_packet).u8();
    if (!first) return fail(Drop::Malformed);
    const unsigned version = *first >> 4;
    if (version == 4) return view_ipv4(ip_packet, check, fields, layout);
    if (version == 6) return view_ipv6(ip_packet, fields, layout);
    return fail(Drop::Malformed);
}

}  // namespace strata::ipsec
