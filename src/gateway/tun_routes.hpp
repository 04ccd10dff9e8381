// tun_routes.hpp: how the subnets routed into the TUN device are installed,
// so that the gateway's own IKE and ESP never enter its own tunnel.
//
// Each remote subnet is routed into the TUN device. When one holds an IKE
// peer's address (transport mode between two gateways, or a remote_ts that
// covers the peer), a plain route would also send the gateway's own IKE
// and ESP datagrams for that peer into the TUN device, where the SPD would
// protect them again, and so on. Such subnets go into a routing table of
// their own (kTunTable), which a policy rule consults for all traffic but
// the gateway's own IKE (UDP from ike_port and natt_port), ESP (IP
// protocol 50) from its addresses and AH (manual SAs; marked): rules of
// higher priority send those to the main table (RFC 4301 §5.1: IKE
// bypasses the SPD; here it also bypasses the routes into it).
//
// Manual SAs count alike: a subnet holding the far end of one goes into
// kTunTable. A remote subnet whose child has a gateway address in its
// local_ts (or whose manual outbound policy has one in its local range)
// is routed with that address as the source, so the gateway's own packets
// (e.g. a ping from C to D in transport mode) match the child's selectors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "packet/address.hpp"

namespace strata::gateway {

// kTunTable is the routing table for subnets that hold a peer's address.
inline constexpr std::uint32_t kTunTable = 21332;  // 0x5354, "ST"
// kRulePriority is the first of the kRuleCount rule priorities used per
// family: own IKE, own NAT-T, own ESP, own AH (kOwnMark) via main, then
// kTunTable.
inline constexpr std::uint32_t kRulePriority = 21300;
inline constexpr std::uint32_t kRuleCount = 5;
// kOwnMark is the SO_MARK of the gateway's own raw AH sockets: a rule
// sends what carries it to the main table.
inline constexpr std::uint32_t kOwnMark = kTunTable;

// TunRoute is one subnet routed into the TUN device and how.
struct TunRoute {
    packet::IpPrefix prefix;
    std::optional<packet::IpAddress> src;  // preferred source (a gateway address)
    bool own_table = false;                // in kTunTable rather than main
};

// plan_route says how prefix is routed for cfg.
TunRoute plan_route(const GatewayConfig& cfg, const packet::IpPrefix& prefix);

// needs_own_table is true if any of prefixes goes into kTunTable.
bool needs_own_table(const GatewayConfig& cfg, const std::vector<packet::IpPrefix>& prefixes);

// route_argv returns `ip -4|-6 route VERB PREFIX dev DEV [table T] [src S]`
// (VERB: replace or del; del names no source).
std::vector<std::string> route_argv(const std::string& ip, const std::string& verb, const TunRoute& r,
                                    const std::string& dev);

// rule_argvs returns the `ip rule` commands (add, or del by priority) of
// the bypass rules for every gateway address, in the order to run them.
std::vector<std::vector<std::string>> rule_argvs(const std::string& ip, const GatewayConfig& cfg, bool add);

// add_bypass_rules removes leftovers (a gateway killed with -9 could not)
// and adds the rules; the error text of `ip` if that fails.
std::optional<std::string> add_bypass_rules(const std::string& ip, const GatewayConfig& cfg);

// remove_bypass_rules deletes them (errors ignored: they may be gone).
void remove_bypass_rules(const std::string& ip, const GatewayConfig& cfg);

}  // namespace strata::gateway
