#include "ipsec/ah.hpp"

#include <algorithm>
#include <array>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "ipsec/tunnel.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::ipsec {

using core::fail;

namespace {

constexpr std::array<std::uint8_t, 64> kZeros{};

// IcvInput feeds the HMAC piece by piece; the first failure sticks.
class IcvInput {
public:
    explicit IcvInput(crypto::Mac& mac) noexcept : mac_(mac), ok_(mac.init().ok()) {}
    void bytes(core::ByteView b) noexcept {
        if (ok_ && !b.empty()) ok_ = mac_.update(b).ok();
    }
    void zeros(std::size_t n) noexcept {
        while (ok_ && n > 0) {
            const std::size_t k = n < kZeros.size() ? n : kZeros.size();
            ok_ = mac_.update(core::ByteView(kZeros).first(k)).ok();
            n -= k;
        }
    }
    [[nodiscard]] bool ok() const noexcept { return ok_; }

private:
    crypto::Mac& mac_;
    bool ok_;
};

// ipv4_option_immutable is true for the options RFC 4302 Appendix A.1 lists
// as immutable; every other option is zeroed for the ICV.
bool ipv4_option_immutable(std::uint8_t type) noexcept {
    switch (type) {
        case 0:    // End of Options List
        case 1:    // No Operation
        case 130:  // Security
        case 133:  // Extended Security
        case 134:  // Commercial Security
        case 148:  // Router Alert
        case 149:  // Sender Directed Multi-Destination Delivery
            return true;
        default: return false;
    }
}

// feed_ipv4_header adds the IPv4 header with TOS, flags, fragment offset,
// TTL, checksum and mutable options zeroed (RFC 4302 §3.3.3.1.1).
core::Result<void, Drop> feed_ipv4_header(IcvInput& in, core::ByteView packet, std::size_t hlen) noexcept {
    std::array<std::uint8_t, packet::kIpv4MaxHeaderLength> h{};
    auto hdr = core::MutableByteView(h).first(hlen);
    if (!core::Reader(packet).copy_to(hdr)) return fail(Drop::Malformed);
    hdr[1] = 0;             // TOS (DSCP, ECN)
    hdr[6] = hdr[7] = 0;    // flags, fragment offset
    hdr[8] = 0;             // TTL
    hdr[10] = hdr[11] = 0;  // header checksum
    core::Reader opts(core::ByteView(hdr).subspan(packet::kIpv4MinHeaderLength));
    while (!opts.empty()) {
        const std::size_t start = packet::kIpv4MinHeaderLength + opts.offset();
        const std::uint8_t type = *opts.u8();
        if (type == 0) break;  // End of Options List: the rest is padding
        if (type == 1) continue;
        auto len = opts.u8();
        if (!len || *len < 2 || !opts.skip(*len - 2U)) return fail(Drop::Malformed);
        if (!ipv4_option_immutable(type)) {
            auto option = hdr.subspan(start, *len);
            std::fill(option.begin(), option.end(), std::uint8_t{0});
        }
    }
    in.bytes(hdr);
    return {};
}

// feed_ipv6_options adds a Hop-by-Hop or Destination Options header with the
// data of options whose "may change en route" bit is set counted as zeros
// (RFC 8200 §4.2, RFC 4302 §3.3.3.1.2.2).
core::Result<void, Drop> feed_ipv6_options(IcvInput& in, core::ByteView header) noexcept {
    core::Reader r(header);
    in.bytes(*r.bytes(2));  // Next Header, Hdr Ext Len (the walk checked length >= 8)
    while (!r.empty()) {
        const std::uint8_t type = *r.u8();
        in.bytes(std::array<std::uint8_t, 1>{type});
        if (type == 0) continue;  // Pad1
        auto len = r.u8();
        if (!len) return fail(Drop::Malformed);
        auto data = r.bytes(*len);
        if (!data) return fail(Drop::Malformed);
        in.bytes(std::array<std::uint8_t, 1>{*len});
        if ((type & 0x20) != 0) {
            in.zeros(*len);
        } else {
            in.bytes(*data);
        }
    }
    return {};
}

// feed_ipv6_headers adds the fixed header (traffic class, flow label and hop
// limit zeroed, RFC 4302 §3.3.3.1.2.1) and the extension headers before AH.
core::Result<void, Drop> feed_ipv6_headers(IcvInput& in, core::ByteView packet,
                                           std::size_t ah_offset) noexcept {
    auto parsed = packet::parse_ipv6(packet);
    if (!parsed) return fail(Drop::Malformed);
    std::array<std::uint8_t, packet::kIpv6HeaderLength> h{};
    (void)core::Reader(packet).copy_to(h);
    h[0] = 0x60;
    h[1] = h[2] = h[3] = 0;
    h[7] = 0;
    in.bytes(h);
    for (const auto& e : parsed->extension_headers()) {
        if (e.offset >= ah_offset) break;
        const core::ByteView header = packet.subspan(e.offset, e.length);
        if (e.type == packet::ipproto::kHopByHop || e.type == packet::ipproto::kDestinationOptions) {
            if (auto st = feed_ipv6_options(in, header); !st) return st;
        } else if (e.type == packet::ipproto::kRouting) {
            // RFC 4302 Appendix A.2: a routing header is computed as it will
            // arrive. With segments left the addresses would need reordering,
            // which is not supported; at the destination (0 left) it is as sent.
            core::Reader r(header);
            (void)r.skip(3);
            if (*r.u8() != 0) return fail(Drop::UnsupportedPacket);
            in.bytes(header);
        } else {
            in.bytes(header);  // Fragment: immutable
        }
    }
    return {};
}

// ah_icv computes the ICV of the packet whose AH header is at ah_offset, with
// the ICV field (icv_field bytes, padding included) counted as zero and the
// ESN high bits appended (RFC 4302 §3.3.3.1). It writes tag_out, or verifies
// tag_in in constant time when tag_out is empty.
core::Result<void, Drop> ah_icv(SecurityAssociation& sa, core::ByteView packet, packet::IpVersion v,
                                std::size_t ah_offset, std::size_t icv_field, std::uint64_t seq,
                                core::ByteView tag_in, core::MutableByteView tag_out) noexcept {
    crypto::Mac* mac = sa.mac();
    if (mac == nullptr) return fail(Drop::CryptoFailure);
    IcvInput in(*mac);
    std::size_t covered = 0;  // bytes of the packet already fed
    if (v == packet::IpVersion::V4) {
        auto first = core::Reader(packet).u8();
        if (!first) return fail(Drop::Malformed);
        const std::size_t hlen = static_cast<std::size_t>(*first & 0x0f) * 4;
        if (hlen < packet::kIpv4MinHeaderLength || hlen > ah_offset) return fail(Drop::Malformed);
        if (auto st = feed_ipv4_header(in, packet, hlen); !st) return st;
        covered = hlen;
    } else {
        if (auto st = feed_ipv6_headers(in, packet, ah_offset); !st) return st;
        covered = ah_offset;
    }
    const std::size_t icv_at = ah_offset + kAhFixedLength;
    in.bytes(packet.subspan(covered, icv_at - covered));
    in.zeros(icv_field);
    in.bytes(packet.subspan(icv_at + icv_field));
    if (sa.config().esn) {
        std::array<std::uint8_t, 4> hi{};
        core::Writer w{core::MutableByteView(hi)};
        w.u32(static_cast<std::uint32_t>(seq >> 32));
        in.bytes(hi);
    }
    if (!in.ok()) return fail(Drop::CryptoFailure);
    if (tag_out.empty()) {
        auto st = mac->final_verify(tag_in);
        if (!st)
            return fail(st.error() == core::Error::AuthenticationFailed ? Drop::IcvMismatch
                                                                        : Drop::CryptoFailure);
        return {};
    }
    if (!mac->final(tag_out)) return fail(Drop::CryptoFailure);
    return {};
}

std::size_t round_up(std::size_t n, std::size_t to) noexcept { return (n + to - 1) / to * to; }

core::Result<AhOutboundInfo, Drop> outbound_impl(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const AhOutboundOptions& opts) {
    const SaConfig& cfg = sa.config();
    if (cfg.protocol != Protocol::Ah || cfg.direction != Direction::Outbound)
        return fail(Drop::UnsupportedPacket);
    if (sa.expired()) return fail(Drop::SaExpired);
    auto layout = outbound_layout(buf.view());
    if (!layout) return fail(layout.error());
    buf.trim_back(buf.size() - layout->length);
    const bool tunnel = cfg.mode == Mode::Tunnel;
    const packet::IpVersion v = tunnel ? cfg.src.version() : layout->version;
    const std::size_t ah_len = ah_length(sa, v);
    const std::size_t outer = tunnel ? (v == packet::IpVersion::V4 ? 20 : 40) : 0;
    if (buf.headroom() < ah_len + outer) return fail(Drop::NoRoom);
    if (layout->length + ah_len + outer > (v == packet::IpVersion::V4 ? 0xffffU : 0xffffU + 40U)) {
        return fail(Drop::UnsupportedPacket);
    }
    std::uint64_t seq = 0;
    if (opts.sequence) {
        seq = *opts.sequence;
    } else {
        auto next = sa.next_sequence();  // RFC 4302 §3.3.2: never wraps
        if (!next) return fail(next.error());
        seq = *next;
    }

    const std::size_t ah_offset = tunnel ? outer : layout->insert_offset;
    auto gap = tunnel ? buf.push_front(ah_len) : buf.open_gap(layout->insert_offset, ah_len);
    if (gap.empty()) return fail(Drop::NoRoom);
    // RFC 4302 §2: Next Header, Payload Len (32-bit words minus 2), reserved, SPI, sequence.
    core::Writer w(gap);
    w.u8(tunnel ? tunnel_inner_protocol(layout->version) : layout->next_header);
    w.u8(static_cast<std::uint8_t>(ah_len / 4 - 2));
    w.u16(0);
    w.u32(sa.spi());
    w.u32(static_cast<std::uint32_t>(seq));
    w.zeros(ah_len - kAhFixedLength);  // ICV and its padding
    if (!w.ok()) return fail(Drop::CryptoFailure);

    if (tunnel) {
        OuterHeaderParams p;
        p.protocol = packet::ipproto::kAh;
        p.inner_tos = layout->tos;
        p.inner_dont_fragment = layout->dont_fragment;
        p.ipv4_identification = opts.ipv4_identification.value_or(static_cast<std::uint16_t>(seq));
        if (auto st = push_outer_header(cfg, buf, p); !st) return fail(st.error());
    } else if (auto st = rewrite_ip_header(buf.data(), *layout, packet::ipproto::kAh); !st) {
        return fail(st.error());
    }
    auto icv = buf.data().subspan(ah_offset + kAhFixedLength, sa.icv_len());
    if (auto st = ah_icv(sa, buf.view(), v, ah_offset, ah_len - kAhFixedLength, seq, {}, icv); !st) {
        return fail(st.error());
    }
    return AhOutboundInfo{seq, ah_offset};
}

core::Result<AhInboundInfo, Drop> inbound_impl(SecurityAssociation& sa, PacketBuffer& buf) {
    const SaConfig& cfg = sa.config();
    if (cfg.protocol != Protocol::Ah || cfg.direction != Direction::Inbound)
        return fail(Drop::UnsupportedPacket);
    if (sa.expired()) return fail(Drop::SaExpired);
    auto layout = inbound_layout(buf.view(), packet::ipproto::kAh);
    if (!layout) return fail(layout.error());
    buf.trim_back(buf.size() - layout->length);
    const std::size_t ah_offset = layout->insert_offset;

    // RFC 4302 §3.4.2: header and length checks first.
    core::Reader r(buf.view().subspan(ah_offset));
    auto next_header = r.u8();
    auto payload_len = r.u8();
    auto reserved = r.u16();
    auto spi = r.u32();
    auto wire_seq = r.u32();
    if (!next_header || !payload_len || !reserved || !spi || !wire_seq) return fail(Drop::Truncated);
    const std::size_t ah_len = (static_cast<std::size_t>(*payload_len) + 2) * 4;
    const std::size_t icv_len = sa.icv_len();
    // Either alignment is accepted, as the Linux stack does.
    if (ah_len != round_up(kAhFixedLength + icv_len, 4) && ah_len != round_up(kAhFixedLength + icv_len, 8)) {
        return fail(Drop::Malformed);
    }
    if (r.remaining() < ah_len - kAhFixedLength) return fail(Drop::Truncated);
    if (*spi != sa.spi()) return fail(Drop::UnknownSpi);

    // RFC 4302 §3.4.3: replay check before the ICV.
    ReplayWindow* window = sa.replay();
    const std::uint64_t seq = window != nullptr ? window->infer(*wire_seq) : *wire_seq;
    if (window != nullptr) {
        switch (window->check(seq)) {
            case ReplayVerdict::Fresh: break;
            case ReplayVerdict::TooOld: return fail(Drop::ReplayTooOld);
            case ReplayVerdict::Duplicate: return fail(Drop::ReplayDuplicate);
        }
    }
    const core::ByteView icv = buf.view().subspan(ah_offset + kAhFixedLength, icv_len);
    if (auto st = ah_icv(sa, buf.view(), layout->version, ah_offset, ah_len - kAhFixedLength, seq, icv, {});
        !st) {
        return fail(st.error());
    }
    // RFC 4302 §3.4.3: the window moves only after the ICV verified.
    if (window != nullptr && !window->accept(seq)) return fail(Drop::ReplayDuplicate);

    if (cfg.mode == Mode::Transport) {
        if (!buf.close_gap(ah_offset, ah_len)) return fail(Drop::Malformed);
        if (auto st = rewrite_ip_header(buf.data(), *layout, *next_header); !st) return fail(st.error());
    } else {
        if (!buf.pull_front(ah_offset + ah_len)) return fail(Drop::Malformed);
        if (auto st = decapsulate_inner(buf, *next_header, tos_decap(sa, layout->tos)); !st)
            return fail(st.error());
    }
    return AhInboundInfo{seq, *next_header};
}

template <typename T>
core::Result<T, Drop> counted(SecurityAssociation& sa, core::Result<T, Drop> r) noexcept {
    if (!r) sa.counters().drops.add(r.error());
    return r;
}

}  // namespace

std::size_t ah_length(SecurityAssociation& sa, packet::IpVersion v) noexcept {
    return round_up(kAhFixedLength + sa.icv_len(), v == packet::IpVersion::V4 ? 4 : 8);
}

core::Result<AhOutboundInfo, Drop> ah_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                               const AhOutboundOptions& opts) {
    return counted(sa, outbound_impl(sa, buf, opts));
}

core::Result<AhInboundInfo, Drop> ah_inbound(SecurityAssociation& sa, PacketBuffer& buf) {
    return counted(sa, inbound_impl(sa, buf));
}

core::Result<BundleOutboundInfo, Drop> bundle_outbound(SecurityAssociation& esp_sa,
                                                       SecurityAssociation& ah_sa, PacketBuffer& buf,
                                                       const EspOutboundOptions& esp_opts,
                                                       const AhOutboundOptions& ah_opts) {
    auto esp = esp_outbound(esp_sa, buf, esp_opts);
    if (!esp) return fail(esp.error());
    auto ah = ah_outbound(ah_sa, buf, ah_opts);  // AH authenticates the whole ESP packet
    if (!ah) return fail(ah.error());
    return BundleOutboundInfo{*esp, *ah};
}

core::Result<BundleInboundInfo, Drop> bundle_inbound(SecurityAssociation& ah_sa, SecurityAssociation& esp_sa,
                                                     PacketBuffer& buf) {
    auto ah = ah_inbound(ah_sa, buf);
    if (!ah) return fail(ah.error());
    auto esp = esp_inbound(esp_sa, buf);
    if (!esp) return fail(esp.error());
    return BundleInboundInfo{*ah, *esp};
}

}  // namespace strata::ipsec
