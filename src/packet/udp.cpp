#include "packet/udp.hpp"

#include "core/reader.hpp"
#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::packet {

using core::Error;
using core::fail;

core::Result<UdpDatagram> parse_udp(core::ByteView segment, const IpAddress& src,
                                    const IpAddress& dst) noexcept {
    if (src.version() != dst.version()) return fail(Error::BadVersion);
    core::Reader r(segment);
    auto fixed = r.sub(kUdpHeaderLength);
    if (!fixed) return fail(Error::Truncated);
    core::Reader h = *fixed;  // 8 bytes: the reads below cannot fail
    UdpDatagram out;
    out.header.src_port = *h.u16();
    out.header.dst_port = *h.u16();
    out.header.length = *h.u16();
    out.header.checksum = *h.u16();
    // RFC 768: length counts the header and the data; it must cover exactly
    // the bytes the IP layer delivered.
    if (out.header.length < kUdpHeaderLength || out.header.length != segment.size())
        return fail(Error::BadLength);

    if (out.header.checksum == 0) {
        // RFC 768: zero means the sender computed none (IPv4). RFC 8200 §8.1:
        // over IPv6 the checksum is mandatory and a zero one is discarded.
        if (src.is_v6()) return fail(Error::BadChecksum);
    } else {
        ChecksumAccumulator acc;
        if (!add_pseudo_header(acc, src, dst, ipproto::kUdp, segment.size())) return fail(Error::BadLength);
        acc.add(segment);
        if (acc.finish() != 0) return fail(Error::BadChecksum);
    }
    out.payload = r.take_rest();
    return out;
}

core::Status write_udp(core::Writer& w, std::uint16_t src_port, std::uint16_t dst_port,
                       core::ByteView payload, const IpAddress& src, const IpAddress& dst,
                       UdpChecksum mode) noexcept {
    if (src.version() != dst.version()) return fail(Error::BadVersion);
    if (payload.size() > 0xffff - kUdpHeaderLength) return fail(Error::BadLength);
    if (mode == UdpChecksum::Omit && src.is_v6()) return fail(Error::BadChecksum);  // RFC 8200 §8.1
    const auto length = static_cast<std::uint16_t>(kUdpHeaderLength + payload.size());

    std::uint16_t checksum = 0;
    if (mode == UdpChecksum::Compute) {
        ChecksumAccumulator acc;
        (void)add_pseudo_header(acc, src, dst, ipproto::kUdp, length);  // versions and length checked above
        acc.add_u16(src_port);
        acc.add_u16(dst_port);
        acc.add_u16(length);
        acc.add(payload);  // the checksum field counts as zero
        checksum = acc.finish();
        // RFC 768: "If the computed checksum is zero, it is transmitted as all ones".
        if (checksum == 0) checksum = 0xffff;
    }
    w.u16(src_port);
    w.u16(dst_port);
    w.u16(length);
    w.u16(checksum);
    w.bytes(payload);
    return w.status();
}

core::Result<core::Bytes> build_udp(std::uint16_t src_port, std::uint16_t dst_port, core::ByteView payload,
                                    const IpAddress& src, const IpAddress& dst, UdpChecksum mode) {
    core::Bytes out;
    core::Writer w(out);
    if (auto s = write_udp(w, src_port, dst_port, payload, src, dst, mode); !s) return fail(s.error());
    return out;
}

}  // namespace strata::packet
