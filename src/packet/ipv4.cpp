#include "packet/ipv4.hpp"

#include <array>

#include "core/reader.hpp"
#include "packet/checksum.hpp"

namespace strata::packet {

using core::Error;
using core::fail;

namespace {

// read_v4 reads a 4-byte address from a reader already known to hold it.
IpAddress read_v4(core::Reader& r) noexcept {
    std::array<std::uint8_t, 4> b{};
    (void)r.copy_to(b);
    return IpAddress::v4(b);
}

}  // namespace

core::Result<Ipv4Packet> parse_ipv4(core::ByteView packet) noexcept {
    return parse_ipv4(packet, Ipv4ChecksumCheck::Verify);
}

core::Result<Ipv4Packet> parse_ipv4(core::ByteView packet, Ipv4ChecksumCheck check) noexcept {
    core::Reader r(packet);
    auto fixed = r.sub(kIpv4MinHeaderLength);
    if (!fixed) return fail(Error::Truncated);
    // The fixed part is known to be 20 bytes long, so its reads cannot fail.
    core::Reader h = *fixed;
    const std::uint8_t version_ihl = *h.u8();
    if ((version_ihl >> 4) != 4) return fail(Error::BadVersion);
    const std::size_t header_length = static_cast<std::size_t>(version_ihl & 0x0f) * 4;
    // RFC 791 §3.1: "the minimum value for a correct header is 5".
    if (header_length < kIpv4MinHeaderLength) return fail(Error::BadHeaderLength);

    Ipv4Packet out;
    Ipv4Header& hdr = out.header;
    hdr.tos = *h.u8();
    hdr.total_length = *h.u16();
    hdr.identification = *h.u16();
    const std::uint16_t flags_offset = *h.u16();
    hdr.flags = static_cast<std::uint8_t>(flags_offset >> 13);
    hdr.fragment_offset = static_cast<std::uint16_t>(flags_offset & 0x1fff);
    hdr.ttl = *h.u8();
    hdr.protocol = *h.u8();
    hdr.checksum = *h.u16();
    hdr.src = read_v4(h);
    hdr.dst = read_v4(h);

    auto options = r.bytes(header_length - kIpv4MinHeaderLength);
    if (!options) return fail(Error::Truncated);
    hdr.options = *options;

    if (hdr.total_length < header_length || hdr.total_length > packet.size())
        return fail(Error::BadTotalLength);

    // RFC 791 §3.1: the checksum covers the header only; summed with its
    // checksum field in place, a correct header sums to zero (RFC 1071 §1(3)).
    core::Reader whole(packet);
    const core::ByteView header_bytes = *whole.bytes(header_length);
    if (check == Ipv4ChecksumCheck::Verify && internet_checksum(header_bytes) != 0) {
        return fail(Error::BadChecksum);
    }
    out.payload = *whole.bytes(hdr.total_length - header_length);
    return out;
}

core::Status write_ipv4_header(core::Writer& w, const Ipv4Header& h, std::size_t payload_length) noexcept {
    if (!h.src.is_v4() || !h.dst.is_v4()) return fail(Error::BadVersion);
    if (h.options.size() > kIpv4MaxHeaderLength - kIpv4MinHeaderLength || h.options.size() % 4 != 0) {
        return fail(Error::BadHeaderLength);
    }
    const std::size_t header_length = h.header_length();
    if (payload_length > 0xffff - header_length) return fail(Error::BadTotalLength);

    // Build into a local buffer first so the checksum can be computed over it.
    std::array<std::uint8_t, kIpv4MaxHeaderLength> buf{};
    core::Writer hw(core::MutableByteView(buf.data(), header_length));
    hw.u8(static_cast<std::uint8_t>(0x40 | (header_length / 4)));
    hw.u8(h.tos);
    hw.u16(static_cast<std::uint16_t>(header_length + payload_length));
    hw.u16(h.identification);
    hw.u16(static_cast<std::uint16_t>(((h.flags & 0x7) << 13) | (h.fragment_offset & 0x1fff)));
    hw.u8(h.ttl);
    hw.u8(h.protocol);
    hw.u16(0);  // checksum, filled in below
    hw.bytes(h.src.bytes());
    hw.bytes(h.dst.bytes());
    hw.bytes(h.options);
    hw.patch_u16(10, internet_checksum(hw.written()));
    if (!hw.ok()) return hw.status();
    w.bytes(hw.written());
    return w.status();
}

core::Result<core::Bytes> build_ipv4(const Ipv4Header& h, core::ByteView payload) {
    core::Bytes out;
    core::Writer w(out);
    if (auto s = write_ipv4_header(w, h, payload.size()); !s) return fail(s.error());
    w.bytes(payload);
    if (!w.ok()) return fail(w.status().error());
    return out;
}

}  // namespace strata::packet
