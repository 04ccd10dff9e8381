// traffic_selector.hpp: traffic selectors as IKE negotiates them.
//
// One TrafficSelector is one entry of an IKEv2 TSi/TSr payload (RFC 7296
// §3.13.1) or an IKEv1 Quick Mode ID: an address range of one IP version, an
// IP protocol (0 = any) and a port range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipsec/selector.hpp"
#include "packet/address.hpp"

namespace strata::ike {

// TrafficSelector is one address range + protocol + port range.
struct TrafficSelector {
    ipsec::AddressRange addresses;
    std::uint8_t protocol = 0;  // 0: any
    ipsec::PortRange ports;     // 0..65535: any
    friend bool operator==(const TrafficSelector&, const TrafficSelector&) = default;
};

// from_prefix returns the selector covering prefix, any protocol and port.
TrafficSelector from_prefix(const packet::IpPrefix& prefix) noexcept;

// parse_traffic_selectors reads "203.0.113.0/24, 2001:db8:2::/64" (prefixes or
// bare addresses, comma separated); nullopt on bad text or an empty list.
std::optional<std::vector<TrafficSelector>> parse_traffic_selectors(std::string_view text);

// intersect returns the part of a that lies inside b (RFC 7296 §2.9
// narrowing), or nullopt when they do not overlap or differ in version.
std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) noexcept;

// narrow returns every non-empty intersection of an offered list with the
// configured one, in the offered order (RFC 7296 §2.9).
std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& offered,
                                    const std::vector<TrafficSelector>& configured);

// to_string prints "203.0.113.0/24" when the range is a prefix and the
// protocol and ports are any, else "first-last[proto/ports]".
std::string to_string(const TrafficSelector& ts);

// to_ipsec_selectors pairs every local with every remote selector as the
// datapath's Selector list (protocol and ports from the local side when set).
std::vector<ipsec::Selector> to_ipsec_selectors(const std::vector<TrafficSelector>& local,
                                                const std::vector<TrafficSelector>& remote);

}  // namespace strata::ike
