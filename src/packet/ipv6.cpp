#include "packet/ipv6.hpp"

#include "core/reader.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::packet {

using core::Error;
using core::fail;

namespace {

IpAddress read_v6(core::Reader& r) noexcept {
    std::array<std::uint8_t, 16> b{};
    (void)r.copy_to(b);
    return IpAddress::v6(b);
}

// moves_esp_insertion is true for the headers ESP transport mode goes after
// (RFC 4303 §3.1.1: hop-by-hop, routing, fragment; destination options before
// them come along because they precede them).
bool moves_esp_insertion(std::uint8_t type) noexcept {
    return type == ipproto::kHopByHop || type == ipproto::kRouting || type == ipproto::kFragment;
}

}  // namespace

bool is_ipv6_extension_header(std::uint8_t protocol) noexcept {
    switch (protocol) {
        case ipproto::kHopByHop:
        case ipproto::kRouting:
        case ipproto::kFragment:
        case ipproto::kDestinationOptions:
        case ipproto::kAh: return true;
        default: return false;
    }
}

core::Result<Ipv6Packet> parse_ipv6(core::ByteView packet) noexcept {
    core::Reader r(packet);
    auto fixed = r.sub(kIpv6HeaderLength);
    if (!fixed) return fail(Error::Truncated);
    // The fixed header is known to be 40 bytes long, so its reads cannot fail.
    core::Reader h = *fixed;
    const std::uint32_t first = *h.u32();
    if ((first >> 28) != 6) return fail(Error::BadVersion);

    Ipv6Packet out;
    Ipv6Header& hdr = out.header;
    hdr.traffic_class = static_cast<std::uint8_t>(first >> 20);
    hdr.flow_label = first & 0xfffff;
    hdr.payload_length = *h.u16();
    hdr.next_header = *h.u8();
    hdr.hop_limit = *h.u8();
    hdr.src = read_v6(h);
    hdr.dst = read_v6(h);

    auto payload = r.bytes(hdr.payload_length);
    if (!payload) return fail(Error::BadTotalLength);
    out.payload = *payload;

    // RFC 8200 §4: walk the chain, each header naming the next.
    core::Reader chain(out.payload);
    std::uint8_t next = hdr.next_header;
    bool insertion_frozen = false;
    out.esp_next_header = next;
    while (is_ipv6_extension_header(next)) {
        if (out.ext_count == kMaxIpv6ExtensionHeaders) return fail(Error::TooManyExtensionHeaders);
        const std::size_t start = kIpv6HeaderLength + chain.offset();
        core::Reader peek = chain;
        auto nh = peek.u8();
        auto len_field = peek.u8();
        if (!nh || !len_field) return fail(Error::BadHeaderLength);
        std::size_t length = 0;
        if (next == ipproto::kFragment) {
            length = 8;  // RFC 8200 §4.5: fixed size; the second byte is reserved
        } else if (next == ipproto::kAh) {
            length = (static_cast<std::size_t>(*len_field) + 2) * 4;  // RFC 4302 §2.2
        } else {
            length = (static_cast<std::size_t>(*len_field) + 1) * 8;  // RFC 8200 §4.3, §4.4, §4.6
        }
        auto body = chain.sub(length);
        if (!body) return fail(Error::BadHeaderLength);

        out.ext[out.ext_count++] = Ipv6ExtensionHeader{next, *nh, start, length};
        bool stop = false;
        if (next == ipproto::kFragment) {
            core::Reader f = *body;
            (void)f.skip(2);
            const std::uint16_t offset_flags = *f.u16();
            Ipv6Fragment frag;
            frag.offset = static_cast<std::uint16_t>(offset_flags >> 3);
            frag.more = (offset_flags & 1) != 0;
            frag.identification = *f.u32();
            out.fragment = frag;
            // RFC 8200 §4.5: a non-first fragment carries fragment data, not headers.
            stop = frag.offset != 0;
        }
        if (next == ipproto::kAh) insertion_frozen = true;
        if (!insertion_frozen && moves_esp_insertion(next)) {
            out.esp_insert_offset = start + length;
            out.esp_next_header_field = start;
            out.esp_next_header = *nh;
        }
        next = *nh;
        if (stop) break;
    }
    out.upper_protocol = next;
    out.upper_offset = kIpv6HeaderLength + chain.offset();
    out.upper = chain.rest();
    return out;
}

core::Status write_ipv6_header(core::Writer& w, const Ipv6Header& h, std::size_t payload_length) noexcept {
    if (!h.src.is_v6() || !h.dst.is_v6()) return fail(Error::BadVersion);
    if (payload_length > 0xffff) return fail(Error::BadTotalLength);
    w.u32((6U << 28) | (static_cast<std::uint32_t>(h.traffic_class) << 20) | (h.flow_label & 0xfffff));
    w.u16(static_cast<std::uint16_t>(payload_length));
    w.u8(h.next_header);
    w.u8(h.hop_limit);
    w.bytes(h.src.bytes());
    w.bytes(h.dst.bytes());
    return w.status();
}

core::Status write_ipv6_options_header(core::Writer& w, std::uint8_t next_header,
                                       core::ByteView body) noexcept {
    const std::size_t length = 2 + body.size();
    if (length % 8 != 0 || length > std::size_t{256} * 8) return fail(Error::BadHeaderLength);
    w.u8(next_header);
    w.u8(static_cast<std::uint8_t>(length / 8 - 1));  // in 8-octet units, not counting the first 8
    w.bytes(body);
    return w.status();
}

core::Status write_ipv6_fragment_header(core::Writer& w, std::uint8_t next_header,
                                        const Ipv6Fragment& f) noexcept {
    w.u8(next_header);
    w.u8(0);  // reserved
    w.u16(static_cast<std::uint16_t>(((f.offset & 0x1fff) << 3) | (f.more ? 1 : 0)));
    w.u32(f.identification);
    return w.status();
}

core::Result<core::Bytes> build_ipv6(const Ipv6Header& h, core::ByteView payload) {
    core::Bytes out;
    core::Writer w(out);
    if (auto s = write_ipv6_header(w, h, payload.size()); !s) return fail(s.error());
    w.bytes(payload);
    if (!w.ok()) return fail(w.status().error());
    return out;
}

}  // namespace strata::packet
