// demo_lan.hpp: the packets hosts A and B put on their LANs in `strata demo`:
// ICMP echo, and TLS bytes framed in minimal TCP segments (RFC 9293 §3.1)
// so that a capture reassembles them.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "packet/address.hpp"

namespace strata::apps::demo {

// build_echo returns an IPv4 ICMP echo request or reply.
core::Bytes build_echo(const packet::IpAddress& src, const packet::IpAddress& dst, bool request,
                       std::uint16_t id, std::uint16_t seq, core::ByteView data, std::uint16_t ip_id);

// kTcpSyn, kTcpAck, kTcpPsh, kTcpFin are TCP header flags.
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

// TcpFlow is one direction of a TCP connection: it numbers the segments.
class TcpFlow {
public:
    TcpFlow(packet::IpAddress src, std::uint16_t sport, packet::IpAddress dst, std::uint16_t dport,
            std::uint32_t isn) noexcept
        : src_(src), dst_(dst), sport_(sport), dport_(dport), seq_(isn) {}

    // segments returns IPv4 packets carrying data (at most mss bytes each),
    // or one packet with no data when data is empty; SYN and FIN count one
    // sequence number each (RFC 9293 §3.4).
    std::vector<core::Bytes> segments(core::ByteView data, std::uint8_t flags, std::uint32_t ack,
                                      std::size_t mss = 1400);
    // next_seq is the sequence number the peer acknowledges next.
    [[nodiscard]] std::uint32_t next_seq() const noexcept { return seq_; }

private:
    packet::IpAddress src_, dst_;
    std::uint16_t sport_, dport_;
    std::uint32_t seq_;
    std::uint16_t ip_id_ = 1;
};

}  // namespace strata::apps::demo
