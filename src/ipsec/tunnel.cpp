#include "ipsec/tunnel.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "ipsec/ip_view.hpp"
#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::ipsec {

using core::fail;

namespace {

constexpr std::uint8_t kEcnMask = 0x03;
constexpr std::uint8_t kNotEct = 0x00;
constexpr std::uint8_t kEct1 = 0x01;
constexpr std::uint8_t kEct0 = 0x02;
constexpr std::uint8_t kCe = 0x03;
constexpr std::size_t kIpv4ChecksumOffset = 10;

// version_of reads the version nibble of the first byte (0 if there is none).
unsigned version_of(core::ByteView p) noexcept {
    core::Reader r(p);
    auto b = r.u8();
    return b ? static_cast<unsigned>(*b >> 4) : 0U;
}

// ipv4_header_length reads IHL * 4 from a packet whose header already parsed.
std::size_t ipv4_header_length(core::ByteView p) noexcept {
    core::Reader r(p);
    auto b = r.u8();
    return b ? static_cast<std::size_t>(*b & 0x0f) * 4 : 0;
}

// refresh_ipv4_checksum recomputes the header checksum in place (RFC 791 §3.1).
void refresh_ipv4_checksum(core::MutableByteView p) noexcept {
    const std::size_t hlen = ipv4_header_length(p);
    if (hlen < packet::kIpv4MinHeaderLength || hlen > p.size()) return;
    store_u16(p, kIpv4ChecksumOffset, 0);
    store_u16(p, kIpv4ChecksumOffset, packet::internet_checksum(p.first(hlen)));
}

// is_real_fragment is true unless an IPv6 Fragment header is atomic (offset
// 0, M clear: RFC 6946 §4), which carries a whole datagram.
bool is_real_fragment(const packet::Ipv6Packet& p) noexcept {
    return p.fragment.has_value() && (p.fragment->offset != 0 || p.fragment->more);
}

}  // namespace

void store_u16(core::MutableByteView v, std::size_t offset, std::uint16_t value) noexcept {
    if (offset > v.size() || v.size() - offset < 2) return;
    core::Writer w(v.subspan(offset, 2));
    w.u16(value);
}

void store_u32(core::MutableByteView v, std::size_t offset, std::uint32_t value) noexcept {
    if (offset > v.size() || v.size() - offset < 4) return;
    core::Writer w(v.subspan(offset, 4));
    w.u32(value);
}

core::Result<IpLayout, Drop> outbound_layout(core::ByteView ip_packet) noexcept {
    // An outbound packet is this host's own; its checksum is rewritten.
    IpView v;
    if (auto st = view_ip(ip_packet, Ipv4Checksum::Skip, v); !st) return fail(st.error());
    if (v.layout.fragment) return fail(Drop::UnsupportedPacket);
    return v.layout;
}

core::Result<IpLayout, Drop> inbound_layout(core::ByteView ip_packet, std::uint8_t protocol) noexcept {
    IpLayout out;
    const unsigned version = version_of(ip_packet);
    if (version == 4) {
        // The receive path (Processor) verified the outer checksum already;
        // ESP and AH authenticate what matters.
        IpView v;
        if (auto st = view_ip(ip_packet, Ipv4Checksum::Skip, v); !st) return fail(st.error());
        if (v.layout.fragment) return fail(Drop::UnsupportedPacket);
        if (v.layout.next_header != protocol) return fail(Drop::Malformed);
        return v.layout;
    }
    if (version != 6) return fail(Drop::Malformed);
    auto p = packet::parse_ipv6(ip_packet);
    if (!p) return fail(Drop::Malformed);
    if (is_real_fragment(*p)) return fail(Drop::UnsupportedPacket);
    out.version = packet::IpVersion::V6;
    out.length = packet::kIpv6HeaderLength + p->header.payload_length;
    out.tos = p->header.traffic_class;
    out.next_header = protocol;
    const auto ext = p->extension_headers();
    if (protocol == packet::ipproto::kAh) {
        // AH is walked as an extension header (RFC 4302 §2.2 length rule).
        std::size_t field = 6;
        for (const auto& e : ext) {
            if (e.type == packet::ipproto::kAh) {
                out.insert_offset = e.offset;
                out.next_header_field = field;
                return out;
            }
            field = e.offset;  // its first byte names the next header
        }
        return fail(Drop::Malformed);
    }
    if (p->upper_protocol != protocol) return fail(Drop::Malformed);
    out.insert_offset = p->upper_offset;
    out.next_header_field = ext.empty() ? 6 : ext.back().offset;
    return out;
}

core::Result<void, Drop> rewrite_ip_header(core::MutableByteView packet, const IpLayout& layout,
                                           std::uint8_t next_header) noexcept {
    if (layout.next_header_field >= packet.size()) return fail(Drop::Malformed);
    if (layout.version == packet::IpVersion::V4) {
        if (packet.size() > 0xffff) return fail(Drop::UnsupportedPacket);
        packet[layout.next_header_field] = next_header;
        store_u16(packet, 2, static_cast<std::uint16_t>(packet.size()));  // RFC 791: Total Length
        refresh_ipv4_checksum(packet);
        return {};
    }
    if (packet.size() < packet::kIpv6HeaderLength || packet.size() - packet::kIpv6HeaderLength > 0xffff) {
        return fail(Drop::UnsupportedPacket);
    }
    packet[layout.next_header_field] = next_header;
    store_u16(packet, 4, static_cast<std::uint16_t>(packet.size() - packet::kIpv6HeaderLength));
    return {};
}

std::optional<std::uint8_t> ecn_decapsulate(std::uint8_t outer_tos, std::uint8_t inner_tos) noexcept {
    const std::uint8_t outer = outer_tos & kEcnMask;
    const std::uint8_t inner = inner_tos & kEcnMask;
    std::uint8_t result = inner;
    // RFC 6040 §4.2, Figure 4 (rows: inner; columns: outer).
    if (inner == kNotEct) {
        if (outer == kCe) return std::nullopt;  // congestion cannot be signalled: drop
    } else if (inner != kCe) {
        if (outer == kCe) {
            result = kCe;
        } else if (outer == kEct1 && inner == kEct0) {
            result = kEct1;
        }
    }
    return static_cast<std::uint8_t>((inner_tos & ~kEcnMask) | result);
}

core::Result<void, Drop> push_outer_header(const SaConfig& cfg, PacketBuffer& buf,
                                           const OuterHeaderParams& params) noexcept {
    const std::size_t payload = buf.size();
    if (cfg.src.is_v4()) {
        if (payload > 0xffff - packet::kIpv4MinHeaderLength) return fail(Drop::UnsupportedPacket);
        packet::Ipv4Header h;
        h.tos = encap_tos(cfg, params.inner_tos);
        h.identification = params.ipv4_identification;
        h.flags = params.inner_dont_fragment ? packet::kIpv4FlagDontFragment : 0;
        h.ttl = cfg.tunnel_ttl;
        h.protocol = params.protocol;
        h.src = cfg.src;
        h.dst = cfg.dst;
        auto room = buf.push_front(packet::kIpv4MinHeaderLength);
        if (room.empty()) return fail(Drop::NoRoom);
        core::Writer w(room);
        if (!packet::write_ipv4_header(w, h, payload)) return fail(Drop::UnsupportedPacket);
        return {};
    }
    if (payload > 0xffff) return fail(Drop::UnsupportedPacket);
    packet::Ipv6Header h;
    h.traffic_class = encap_tos(cfg, params.inner_tos);
    h.next_header = params.protocol;
    h.hop_limit = cfg.tunnel_ttl;
    h.src = cfg.src;
    h.dst = cfg.dst;
    auto room = buf.push_front(packet::kIpv6HeaderLength);
    if (room.empty()) return fail(Drop::NoRoom);
    core::Writer w(room);
    if (!packet::write_ipv6_header(w, h, payload)) return fail(Drop::UnsupportedPacket);
    return {};
}

core::Result<void, Drop> decapsulate_inner(PacketBuffer& buf, std::uint8_t next_header, TosDecap tos,
                                           InnerSelectors& inner) noexcept {
    const bool v4 = next_header == packet::ipproto::kIpv4;
    if (!v4 && next_header != packet::ipproto::kIpv6) return fail(Drop::Malformed);
    // The inner header must parse as the version next_header names, its
    // length within the bytes decrypted; its checksum is not verified (see
    // tunnel.hpp).
    IpLayout layout;
    inner.have_flow = v4 && view_ipv4_flow(buf.view(), inner.flow, layout);
    inner.have_fields = false;
    if (!inner.have_flow) {
        if (!view_ip(buf.view(), Ipv4Checksum::Skip, inner.fields, layout)) return fail(Drop::Malformed);
        inner.have_fields = true;
    }
    if ((layout.version == packet::IpVersion::V4) != v4) return fail(Drop::Malformed);
    const std::uint8_t inner_tos = layout.tos;
    if (!buf.trim_back(buf.size() - layout.length)) return fail(Drop::Malformed);
    // RFC 6040 §4.2, Figure 4: a Not-ECT outer header leaves the inner ECN
    // as it is; without DSCP copying (RFC 4301 §5.1.2.1) nothing changes.
    if ((tos.bits & (TosDecap::kCopyDscp | 0x03U)) == 0) return {};
    const std::uint8_t outer_tos = tos.outer_tos();
    const auto ecn = ecn_decapsulate(outer_tos, inner_tos);
    if (!ecn) return fail(Drop::Malformed);  // RFC 6040 §4.2: MUST drop
    const auto value =
        tos.copy_dscp() ? static_cast<std::uint8_t>((outer_tos & 0xfcU) | (*ecn & 0x03U)) : *ecn;
    if (value == inner_tos) return {};
    auto data = buf.data();
    if (v4) {
        // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for the 16-bit word m
        // (version, IHL, TOS) that changes. Incremental rather than
        // recomputed, so a header the peer sent with a wrong checksum keeps
        // it (nothing here vouches for it).
        core::Reader r(buf.view().first<packet::kIpv4MinHeaderLength>());
        const std::uint16_t old_word = r.u16().value_or(0);
        (void)r.skip(kIpv4ChecksumOffset - 2);
        const std::uint16_t old_sum = r.u16().value_or(0);
        data[1] = value;
        const auto new_word = static_cast<std::uint16_t>((old_word & 0xff00U) | value);
        std::uint32_t sum = static_cast<std::uint16_t>(~old_sum) +
                            static_cast<std::uint32_t>(static_cast<std::uint16_t>(~old_word)) + new_word;
        sum = (sum & 0xffffU) + (sum >> 16);
        sum = (sum & 0xffffU) + (sum >> 16);
        store_u16(data, kIpv4ChecksumOffset, static_cast<std::uint16_t>(~sum));
    } else {
        // Version (4 bits) | Traffic Class (8) | Flow Label (20), RFC 8200 §3.
        data[0] = static_cast<std::uint8_t>(0x60 | (value >> 4));
        data[1] = static_cast<std::uint8_t>((value << 4) | (data[1] & 0x0f));
    }
    return {};
}

core::Result<void, Drop> decapsulate_inner(PacketBuffer& buf, std::uint8_t next_header,
                                           TosDecap tos) noexcept {
    InnerSelectors unused;
    return decapsulate_inner(buf, next_header, tos, unused);
}

}  // namespace strata::ipsec
