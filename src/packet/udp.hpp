// udp.hpp: UDP (RFC 768) over IPv4 and IPv6, with the pseudo-header checksum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/writer.hpp"
#include "packet/address.hpp"

namespace strata::packet {

// kUdpHeaderLength is the size of the UDP header.
inline constexpr std::size_t kUdpHeaderLength = 8;

// UdpHeader is the UDP header as received.
struct UdpHeader {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t length = 0;    // header + payload
    std::uint16_t checksum = 0;  // 0: none (IPv4 only)
};

// UdpDatagram is a parsed header and a view of its payload.
struct UdpDatagram {
    UdpHeader header;
    core::ByteView payload;
};

// UdpChecksum says whether a builder computes the checksum or leaves it zero.
enum class UdpChecksum : std::uint8_t {
    Compute,  // always allowed
    Omit,     // zero checksum: IPv4 only (RFC 768; e.g. RFC 3948 §2.1 UDP-encapsulated ESP)
};

// parse_udp parses segment, the whole upper-layer payload of an IP packet
// from src to dst (dst: the final destination), and verifies the checksum.
// Errors: Truncated (fewer than 8 bytes), BadLength (length field below 8 or
// not equal to the segment size), BadVersion (src and dst differ in version),
// BadChecksum (wrong; or zero over IPv6, RFC 8200 §8.1).
core::Result<UdpDatagram> parse_udp(core::ByteView segment, const IpAddress& src,
                                    const IpAddress& dst) noexcept;

// write_udp appends a UDP header and payload with the checksum computed over
// the pseudo-header of src and dst (a computed 0 is sent as 0xffff, RFC 768).
// Errors: BadLength (datagram above 65535 bytes), BadVersion (src and dst
// differ in version), BadChecksum (Omit over IPv6), or the Writer's own error.
core::Status write_udp(core::Writer& w, std::uint16_t src_port, std::uint16_t dst_port,
                       core::ByteView payload, const IpAddress& src, const IpAddress& dst,
                       UdpChecksum mode = UdpChecksum::Compute) noexcept;

// build_udp returns the datagram write_udp would append.
core::Result<core::Bytes> build_udp(std::uint16_t src_port, std::uint16_t dst_port, core::ByteView payload,
                                    const IpAddress& src, const IpAddress& dst,
                                    UdpChecksum mode = UdpChecksum::Compute);

}  // namespace strata::packet
