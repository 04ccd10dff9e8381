// icmp_fuzz.cpp: ICMPv4 and ICMPv6. The input is an IP packet carrying ICMP;
// the message is parsed (a failing checksum is repaired first), rebuilt and
// compared, and echo messages go through the echo helpers. The raw input is
// also parsed as a bare ICMPv4 message.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/writer.hpp"
#include "packet/checksum.hpp"
#include "packet/icmp.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

#include "ip_segment.hpp"

using namespace strata;

namespace {

using fuzz::put16;
using fuzz::Segment;

core::Result<packet::IcmpMessage> parse(const Segment& s, core::ByteView m) {
    if (s.version == packet::IpVersion::V4) return packet::parse_icmpv4(m);
    return packet::parse_icmpv6(m, s.src, s.dst);
}

core::Status write(const Segment& s, core::Writer& w, const packet::IcmpMessage& m) {
    if (s.version == packet::IpVersion::V4) return packet::write_icmpv4(w, m);
    return packet::write_icmpv6(w, m, s.src, s.dst);
}

void check_round_trip(const Segment& s, core::ByteView message) {
    auto m = parse(s, message);
    if (!m) return;
    core::Bytes out;
    core::Writer w(out);
    if (!write(s, w, *m) || out.size() != message.size()) __builtin_trap();
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i == 2 || i == 3) continue;  // 0x0000 and 0xffff may both verify
        if (out[i] != message[i]) __builtin_trap();
    }
    if (!parse(s, out)) __builtin_trap();

    auto echo = packet::echo_of(s.version, *m);
    if (!echo) return;
    const auto kind = packet::echo_kind(s.version, m->type);
    if (!kind) __builtin_trap();
    const packet::IcmpMessage same = packet::make_echo(s.version, *kind, *echo);
    if (same.type != m->type || same.code != 0 || same.rest != m->rest ||
        !core::equal_public(same.data, m->data)) {
        __builtin_trap();
    }
    core::Bytes reply;
    core::Writer rw(reply);
    if (!write(s, rw, packet::make_echo(s.version, packet::EchoKind::Reply, *echo))) __builtin_trap();
    auto parsed_reply = parse(s, reply);
    if (!parsed_reply || packet::echo_kind(s.version, parsed_reply->type) != packet::EchoKind::Reply)
        __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const core::ByteView input(data, size);
    check_round_trip(Segment{}, input);  // bare ICMPv4

    core::Bytes buf(input.begin(), input.end());
    Segment s;
    if (!fuzz::locate(buf, packet::ipproto::kIcmp, packet::ipproto::kIcmpv6, s)) return 0;
    auto message = [&] { return core::ByteView(buf).subspan(s.offset, s.length); };
    auto m = parse(s, message());
    if (!m && m.error() == core::Error::BadChecksum) {
        put16(buf, s.offset + 2, 0);
        packet::ChecksumAccumulator acc;
        if (s.version == packet::IpVersion::V6) {
            packet::add_pseudo_header_v6(acc, s.src, s.dst, packet::ipproto::kIcmpv6,
                                         static_cast<std::uint32_t>(s.length));
        }
        acc.add(message());
        put16(buf, s.offset + 2, acc.finish());
        if (!parse(s, message())) __builtin_trap();
    }
    check_round_trip(s, message());
    return 0;
}
