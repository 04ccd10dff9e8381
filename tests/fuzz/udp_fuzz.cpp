// udp_fuzz.cpp: UDP over IPv4 and IPv6. The input is an IP packet; its UDP
// segment is parsed against the packet's addresses and must rebuild to the
// same bytes. Failing IPv4 header and UDP checksums are repaired and the
// packet parsed again, so the fuzzer gets past them. The raw input is also
// parsed as a bare UDP segment under fixed IPv4 and IPv6 addresses.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

#include "ip_segment.hpp"

using namespace strata;

namespace {

using fuzz::put16;
using fuzz::Segment;

void check_round_trip(core::ByteView segment, const packet::IpAddress& src, const packet::IpAddress& dst) {
    auto u = packet::parse_udp(segment, src, dst);
    if (!u) return;
    const auto mode = u->header.checksum == 0 ? packet::UdpChecksum::Omit : packet::UdpChecksum::Compute;
    auto built = packet::build_udp(u->header.src_port, u->header.dst_port, u->payload, src, dst, mode);
    if (!built || !core::equal_public(*built, segment)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const core::ByteView input(data, size);
    check_round_trip(input, *packet::IpAddress::parse("192.0.2.1"), *packet::IpAddress::parse("192.0.2.2"));
    check_round_trip(input, *packet::IpAddress::parse("2001:db8::1"),
                     *packet::IpAddress::parse("2001:db8::2"));

    core::Bytes buf(input.begin(), input.end());
    Segment s;
    if (!fuzz::locate(buf, packet::ipproto::kUdp, packet::ipproto::kUdp, s)) return 0;
    auto segment = [&] { return core::ByteView(buf).subspan(s.offset, s.length); };
    auto u = packet::parse_udp(segment(), s.src, s.dst);
    if (!u && u.error() == core::Error::BadChecksum) {
        put16(buf, s.offset + 6, 0);
        packet::ChecksumAccumulator acc;
        if (!packet::add_pseudo_header(acc, s.src, s.dst, packet::ipproto::kUdp, s.length)) __builtin_trap();
        acc.add(segment());
        const std::uint16_t sum = acc.finish();
        put16(buf, s.offset + 6, sum == 0 ? 0xffff : sum);
        if (!packet::parse_udp(segment(), s.src, s.dst)) __builtin_trap();
    }
    check_round_trip(segment(), s.src, s.dst);
    return 0;
}
