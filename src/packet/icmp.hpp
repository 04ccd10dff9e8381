// icmp.hpp: ICMP for IPv4 (RFC 792) and IPv6 (RFC 4443), and echo helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/writer.hpp"
#include "packet/address.hpp"

namespace strata::packet {

// kIcmpHeaderLength is type, code, checksum and the 4-byte type-specific
// field every ICMPv4 and ICMPv6 message starts with.
inline constexpr std::size_t kIcmpHeaderLength = 8;

// icmp holds the message types Strata builds or inspects.
namespace icmp {
// kV4EchoReply is ICMPv4 Echo Reply (RFC 792).
inline constexpr std::uint8_t kV4EchoReply = 0;
// kV4DestinationUnreachable is ICMPv4 Destination Unreachable (code 4: fragmentation needed).
inline constexpr std::uint8_t kV4DestinationUnreachable = 3;
// kV4EchoRequest is ICMPv4 Echo (request).
inline constexpr std::uint8_t kV4EchoRequest = 8;
// kV4TimeExceeded is ICMPv4 Time Exceeded.
inline constexpr std::uint8_t kV4TimeExceeded = 11;
// kV6DestinationUnreachable is ICMPv6 Destination Unreachable (RFC 4443 §3.1).
inline constexpr std::uint8_t kV6DestinationUnreachable = 1;
// kV6PacketTooBig is ICMPv6 Packet Too Big (RFC 4443 §3.2).
inline constexpr std::uint8_t kV6PacketTooBig = 2;
// kV6TimeExceeded is ICMPv6 Time Exceeded (RFC 4443 §3.3).
inline constexpr std::uint8_t kV6TimeExceeded = 3;
// kV6EchoRequest is ICMPv6 Echo Request (RFC 4443 §4.1).
inline constexpr std::uint8_t kV6EchoRequest = 128;
// kV6EchoReply is ICMPv6 Echo Reply (RFC 4443 §4.2).
inline constexpr std::uint8_t kV6EchoReply = 129;
}  // namespace icmp

// IcmpMessage is a parsed ICMP message. rest is the 4-byte field after the
// checksum (identifier and sequence, MTU, pointer or unused); data follows it.
struct IcmpMessage {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint16_t checksum = 0;  // as received; computed when building
    std::uint32_t rest = 0;
    core::ByteView data{};
};

// EchoKind says whether an echo message asks or answers.
enum class EchoKind : std::uint8_t { Request, Reply };

// IcmpEcho is the content of an echo request or reply (RFC 792; RFC 4443 §4).
struct IcmpEcho {
    std::uint16_t identifier = 0;
    std::uint16_t sequence = 0;
    core::ByteView data{};
};

// parse_icmpv4 parses an ICMPv4 message and verifies its checksum (over the
// message alone, RFC 792). Errors: Truncated (fewer than 8 bytes), BadChecksum.
core::Result<IcmpMessage> parse_icmpv4(core::ByteView message) noexcept;

// parse_icmpv6 parses an ICMPv6 message from src to dst and verifies its
// checksum, which covers the IPv6 pseudo-header (RFC 4443 §2.3). Errors:
// Truncated, BadVersion (src or dst not IPv6), BadChecksum.
core::Result<IcmpMessage> parse_icmpv6(core::ByteView message, const IpAddress& src,
                                       const IpAddress& dst) noexcept;

// write_icmpv4 appends m with its checksum computed (m.checksum is ignored).
// Errors: BadLength (message above 65535 bytes), or the Writer's own error.
core::Status write_icmpv4(core::Writer& w, const IcmpMessage& m) noexcept;

// write_icmpv6 appends m with the checksum over the pseudo-header of src and
// dst. Errors: BadLength (above 65535 bytes), BadVersion (src or dst not IPv6).
core::Status write_icmpv6(core::Writer& w, const IcmpMessage& m, const IpAddress& src,
                          const IpAddress& dst) noexcept;

// echo_kind returns Request or Reply if type is an echo type of version v.
std::optional<EchoKind> echo_kind(IpVersion v, std::uint8_t type) noexcept;

// echo_of returns the echo content of m (ICMP of version v), or nullopt if m
// is not an echo request or reply (of code 0).
std::optional<IcmpEcho> echo_of(IpVersion v, const IcmpMessage& m) noexcept;

// make_echo returns the request or reply message of version v carrying e; a
// reply to a request r is make_echo(v, EchoKind::Reply, *echo_of(v, r)).
IcmpMessage make_echo(IpVersion v, EchoKind kind, const IcmpEcho& e) noexcept;

}  // namespace strata::packet
