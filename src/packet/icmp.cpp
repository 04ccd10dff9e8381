#include "packet/icmp.hpp"

#include "core/reader.hpp"
#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::packet {

using core::Error;
using core::fail;

namespace {

core::Result<IcmpMessage> read_fields(core::ByteView message) noexcept {
    core::Reader r(message);
    auto fixed = r.sub(kIcmpHeaderLength);
    if (!fixed) return fail(Error::Truncated);
    core::Reader h = *fixed;  // 8 bytes: the reads below cannot fail
    IcmpMessage m;
    m.type = *h.u8();
    m.code = *h.u8();
    m.checksum = *h.u16();
    m.rest = *h.u32();
    m.data = r.take_rest();
    return m;
}

// add_fields sums the message m with its checksum field as zero.
void add_fields(ChecksumAccumulator& acc, const IcmpMessage& m) noexcept {
    acc.add_u16(static_cast<std::uint16_t>((m.type << 8) | m.code));
    acc.add_u16(0);
    acc.add_u32(m.rest);
    acc.add(m.data);
}

void write_fields(core::Writer& w, const IcmpMessage& m, std::uint16_t checksum) noexcept {
    w.u8(m.type);
    w.u8(m.code);
    w.u16(checksum);
    w.u32(m.rest);
    w.bytes(m.data);
}

}  // namespace

core::Result<IcmpMessage> parse_icmpv4(core::ByteView message) noexcept {
    auto m = read_fields(message);
    if (!m) return m;
    // RFC 792: the checksum is over the ICMP message starting with the type.
    if (internet_checksum(message) != 0) return fail(Error::BadChecksum);
    return m;
}

core::Result<IcmpMessage> parse_icmpv6(core::ByteView message, const IpAddress& src,
                                       const IpAddress& dst) noexcept {
    if (!src.is_v6() || !dst.is_v6()) return fail(Error::BadVersion);
    auto m = read_fields(message);
    if (!m) return m;
    // RFC 4443 §2.3: the checksum also covers the IPv6 pseudo-header.
    ChecksumAccumulator acc;
    add_pseudo_header_v6(acc, src, dst, ipproto::kIcmpv6, static_cast<std::uint32_t>(message.size()));
    acc.add(message);
    if (acc.finish() != 0) return fail(Error::BadChecksum);
    return m;
}

core::Status write_icmpv4(core::Writer& w, const IcmpMessage& m) noexcept {
    if (m.data.size() > 0xffff - kIcmpHeaderLength) return fail(Error::BadLength);
    ChecksumAccumulator acc;
    add_fields(acc, m);
    write_fields(w, m, acc.finish());
    return w.status();
}

core::Status write_icmpv6(core::Writer& w, const IcmpMessage& m, const IpAddress& src,
                          const IpAddress& dst) noexcept {
    if (!src.is_v6() || !dst.is_v6()) return fail(Error::BadVersion);
    if (m.data.size() > 0xffff - kIcmpHeaderLength) return fail(Error::BadLength);
    ChecksumAccumulator acc;
    add_pseudo_header_v6(acc, src, dst, ipproto::kIcmpv6,
                         static_cast<std::uint32_t>(kIcmpHeaderLength + m.data.size()));
    add_fields(acc, m);
    write_fields(w, m, acc.finish());
    return w.status();
}

std::optional<EchoKind> echo_kind(IpVersion v, std::uint8_t type) noexcept {
    const bool v4 = v == IpVersion::V4;
    if (type == (v4 ? icmp::kV4EchoRequest : icmp::kV6EchoRequest)) return EchoKind::Request;
    if (type == (v4 ? icmp::kV4EchoReply : icmp::kV6EchoReply)) return EchoKind::Reply;
    return std::nullopt;
}

std::optional<IcmpEcho> echo_of(IpVersion v, const IcmpMessage& m) noexcept {
    // RFC 792 and RFC 4443 §4.1/§4.2: echo messages have code 0.
    if (!echo_kind(v, m.type) || m.code != 0) return std::nullopt;
    return IcmpEcho{static_cast<std::uint16_t>(m.rest >> 16), static_cast<std::uint16_t>(m.rest), m.data};
}

IcmpMessage make_echo(IpVersion v, EchoKind kind, const IcmpEcho& e) noexcept {
    const bool v4 = v == IpVersion::V4;
    IcmpMessage m;
    if (kind == EchoKind::Request) {
        m.type = v4 ? icmp::kV4EchoRequest : icmp::kV6EchoRequest;
    } else {
        m.type = v4 ? icmp::kV4EchoReply : icmp::kV6EchoReply;
    }
    m.rest = (static_cast<std::uint32_t>(e.identifier) << 16) | e.sequence;
    m.data = e.data;
    return m;
}

}  // namespace strata::packet
