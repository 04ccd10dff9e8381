// ipv6.hpp: the IPv6 header (RFC 8200 §3), its extension-header chain, and builders.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/writer.hpp"
#include "packet/address.hpp"

namespace strata::packet {

// kIpv6HeaderLength is the size of the fixed IPv6 header.
inline constexpr std::size_t kIpv6HeaderLength = 40;
// kMaxIpv6ExtensionHeaders is how many extension headers parse_ipv6 walks
// before failing with TooManyExtensionHeaders (RFC 8200 §4.1 allows each at
// most once, Destination Options twice: 6 in a legal chain, plus AH).
inline constexpr std::size_t kMaxIpv6ExtensionHeaders = 8;

// Ipv6Header is the fixed IPv6 header.
struct Ipv6Header {
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;      // 20 bits
    std::uint16_t payload_length = 0;  // as received; computed when building
    std::uint8_t next_header = 0;
    std::uint8_t hop_limit = 64;
    IpAddress src = IpAddress::v6({});
    IpAddress dst = IpAddress::v6({});
};

// Ipv6ExtensionHeader locates one extension header in a parsed packet.
struct Ipv6ExtensionHeader {
    std::uint8_t type = 0;         // its own protocol number (0, 43, 44, 51, 60)
    std::uint8_t next_header = 0;  // the protocol number of what follows it
    std::size_t offset = 0;        // from the start of the packet
    std::size_t length = 0;        // in bytes, including its first two bytes
};

// Ipv6Fragment is the content of a Fragment header (RFC 8200 §4.5).
struct Ipv6Fragment {
    std::uint16_t offset = 0;  // 13 bits, in units of 8 bytes
    bool more = false;         // the M flag
    std::uint32_t identification = 0;
};

// Ipv6Packet is a parsed IPv6 packet: the fixed header, the extension headers
// walked, and where the upper-layer header and ESP insertion point are. All
// offsets count from the start of the packet; all views point into it.
struct Ipv6Packet {
    Ipv6Header header;
    core::ByteView payload;  // the payload_length bytes after the fixed header
    std::array<Ipv6ExtensionHeader, kMaxIpv6ExtensionHeaders> ext{};
    std::size_t ext_count = 0;
    // upper_protocol is the first header that is not a walked extension header:
    // e.g. 6 (TCP), 17 (UDP), 58 (ICMPv6), 50 (ESP, not walked), 59 (none).
    std::uint8_t upper_protocol = 0;
    std::size_t upper_offset = kIpv6HeaderLength;
    core::ByteView upper;  // from upper_offset to the end of the payload
    // fragment is set if a Fragment header was walked. In a non-first
    // fragment (offset != 0) the walk stops after it: upper holds fragment data.
    std::optional<Ipv6Fragment> fragment;
    // esp_insert_offset is where ESP transport mode puts the ESP header: after
    // Hop-by-Hop, Routing and Fragment headers and any Destination Options
    // before them; later Destination Options go after ESP (RFC 4303 §3.1.1).
    // The walk for it stops at an AH header.
    std::size_t esp_insert_offset = kIpv6HeaderLength;
    // esp_next_header_field is the offset of the Next Header byte that names
    // the header at esp_insert_offset (6: the fixed header's own field).
    std::size_t esp_next_header_field = 6;
    // esp_next_header is the value of that byte (goes in the ESP trailer).
    std::uint8_t esp_next_header = 0;

    // extension_headers returns the walked extension headers, in order.
    [[nodiscard]] std::span<const Ipv6ExtensionHeader> extension_headers() const noexcept {
        return {ext.data(), ext_count};
    }
};

// is_ipv6_extension_header is true for the headers parse_ipv6 walks:
// Hop-by-Hop, Routing, Fragment, Destination Options and AH.
bool is_ipv6_extension_header(std::uint8_t protocol) noexcept;

// parse_ipv6 parses the fixed header and walks the extension headers. Bytes
// past payload_length are ignored. Errors: Truncated (fewer than 40 bytes),
// BadVersion, BadTotalLength (payload_length beyond the bytes present),
// BadHeaderLength (an extension header runs past the payload),
// TooManyExtensionHeaders (more than kMaxIpv6ExtensionHeaders).
core::Result<Ipv6Packet> parse_ipv6(core::ByteView packet) noexcept;

// write_ipv6_header appends the fixed header h for payload_length bytes of
// payload (extension headers included); h.payload_length is ignored.
// Errors: BadTotalLength (payload above 65535; jumbograms are not built),
// BadVersion (src or dst not IPv6), or the Writer's own error.
core::Status write_ipv6_header(core::Writer& w, const Ipv6Header& h, std::size_t payload_length) noexcept;

// write_ipv6_options_header appends a Hop-by-Hop, Routing or Destination
// Options header (RFC 8200 §4.3, §4.4, §4.6): next_header, length, then body.
// Errors: BadHeaderLength if 2 + body.size() is not a multiple of 8 or above 2048.
core::Status write_ipv6_options_header(core::Writer& w, std::uint8_t next_header,
                                       core::ByteView body) noexcept;

// write_ipv6_fragment_header appends a Fragment header (RFC 8200 §4.5); only
// the low 13 bits of f.offset are used.
core::Status write_ipv6_fragment_header(core::Writer& w, std::uint8_t next_header,
                                        const Ipv6Fragment& f) noexcept;

// build_ipv6 returns header h followed by payload, as write_ipv6_header.
core::Result<core::Bytes> build_ipv6(const Ipv6Header& h, core::ByteView payload);

}  // namespace strata::packet
