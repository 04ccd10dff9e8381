// ip_protocol.hpp: IANA "Assigned Internet Protocol Numbers" used by Strata.
#pragma once

#include <cstdint>

namespace strata::packet::ipproto {

// kHopByHop is the IPv6 Hop-by-Hop Options header (RFC 8200 §4.3).
inline constexpr std::uint8_t kHopByHop = 0;
// kIcmp is ICMP for IPv4 (RFC 792).
inline constexpr std::uint8_t kIcmp = 1;
// kIpv4 is IPv4 encapsulated in IP (tunnel mode inner packet).
inline constexpr std::uint8_t kIpv4 = 4;
// kTcp is TCP (RFC 9293).
inline constexpr std::uint8_t kTcp = 6;
// kUdp is UDP (RFC 768).
inline constexpr std::uint8_t kUdp = 17;
// kIpv6 is IPv6 encapsulated in IP (tunnel mode inner packet).
inline constexpr std::uint8_t kIpv6 = 41;
// kRouting is the IPv6 Routing header (RFC 8200 §4.4).
inline constexpr std::uint8_t kRouting = 43;
// kFragment is the IPv6 Fragment header (RFC 8200 §4.5).
inline constexpr std::uint8_t kFragment = 44;
// kEsp is the Encapsulating Security Payload (RFC 4303).
inline constexpr std::uint8_t kEsp = 50;
// kAh is the Authentication Header (RFC 4302).
inline constexpr std::uint8_t kAh = 51;
// kIcmpv6 is ICMP for IPv6 (RFC 4443).
inline constexpr std::uint8_t kIcmpv6 = 58;
// kNoNextHeader says nothing follows (RFC 8200 §4.7).
inline constexpr std::uint8_t kNoNextHeader = 59;
// kDestinationOptions is the IPv6 Destination Options header (RFC 8200 §4.6).
inline constexpr std::uint8_t kDestinationOptions = 60;

}  // namespace strata::packet::ipproto
