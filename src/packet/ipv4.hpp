// ipv4.hpp: the IPv4 header (RFC 791 §3.1), parsed and built.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/writer.hpp"
#include "packet/address.hpp"

namespace strata::packet {

// kIpv4MinHeaderLength is the size of an IPv4 header without options (IHL 5).
inline constexpr std::size_t kIpv4MinHeaderLength = 20;
// kIpv4MaxHeaderLength is the largest IPv4 header (IHL 15).
inline constexpr std::size_t kIpv4MaxHeaderLength = 60;
// kIpv4FlagDontFragment is the DF bit of Ipv4Header::flags (RFC 791 §3.1).
inline constexpr std::uint8_t kIpv4FlagDontFragment = 0x2;
// kIpv4FlagMoreFragments is the MF bit of Ipv4Header::flags.
inline constexpr std::uint8_t kIpv4FlagMoreFragments = 0x1;

// Ipv4Header is every field of an IPv4 header. options views the bytes of the
// packet it was parsed from (or the caller's bytes, when building).
struct Ipv4Header {
    std::uint8_t tos = 0;            // DSCP (6 bits) and ECN (2 bits)
    std::uint16_t total_length = 0;  // header + payload, in bytes
    std::uint16_t identification = 0;
    std::uint8_t flags = 0;             // 3 bits: reserved, DF, MF
    std::uint16_t fragment_offset = 0;  // 13 bits, in units of 8 bytes
    std::uint8_t ttl = 64;
    std::uint8_t protocol = 0;
    std::uint16_t checksum = 0;  // as received; ignored when building
    IpAddress src{};
    IpAddress dst{};
    core::ByteView options{};  // 0..40 bytes, a multiple of 4

    // header_length returns 20 + options.size() (IHL * 4).
    [[nodiscard]] std::size_t header_length() const noexcept { return kIpv4MinHeaderLength + options.size(); }
    // dont_fragment is true if DF is set.
    [[nodiscard]] bool dont_fragment() const noexcept { return (flags & kIpv4FlagDontFragment) != 0; }
    // more_fragments is true if MF is set.
    [[nodiscard]] bool more_fragments() const noexcept { return (flags & kIpv4FlagMoreFragments) != 0; }
    // is_fragment is true if MF is set or the fragment offset is not zero.
    [[nodiscard]] bool is_fragment() const noexcept { return more_fragments() || fragment_offset != 0; }
};

// Ipv4Packet is a parsed header and a view of its payload.
struct Ipv4Packet {
    Ipv4Header header;
    core::ByteView payload;  // the bytes from the end of the header to total_length
};

// parse_ipv4 parses the IPv4 packet at the start of packet and verifies its
// header checksum. Bytes past total_length (link-layer padding) are ignored.
// Errors: Truncated (fewer than 20 bytes, or fewer than IHL*4), BadVersion
// (version is not 4), BadHeaderLength (IHL < 5), BadTotalLength (total length
// below the header length or beyond the bytes present), BadChecksum.
core::Result<Ipv4Packet> parse_ipv4(core::ByteView packet) noexcept;

// Ipv4ChecksumCheck says whether parse_ipv4 verifies the header checksum.
enum class Ipv4ChecksumCheck : std::uint8_t { Verify, Skip };

// parse_ipv4 with Ipv4ChecksumCheck::Skip checks everything but the header
// checksum: for packets this host built itself (the outbound datapath),
// whose checksum is rewritten anyway.
core::Result<Ipv4Packet> parse_ipv4(core::ByteView packet, Ipv4ChecksumCheck check) noexcept;

// write_ipv4_header appends the header h for a payload of payload_length
// bytes, computing IHL, total length and the header checksum (h.checksum and
// h.total_length are ignored). Errors: BadHeaderLength (options longer than 40
// bytes or not a multiple of 4), BadTotalLength (total above 65535),
// BadVersion (src or dst not IPv4), or the Writer's own error.
core::Status write_ipv4_header(core::Writer& w, const Ipv4Header& h, std::size_t payload_length) noexcept;

// build_ipv4 returns header h followed by payload, as write_ipv4_header.
core::Result<core::Bytes> build_ipv4(const Ipv4Header& h, core::ByteView payload);

}  // namespace strata::packet
