// reload_plan.hpp: what a reload (SIGHUP, `strata ctl reload`) does to the
// IKE peers, as strongSwan's `swanctl --load-all` does to its connections.
//
// The running and the new configuration are compared peer by peer (by
// name): a peer only in the new file is added (its engine starts, and
// initiates if a child says start_action = start); a peer only in the
// running one is removed (DELETE for its SAs, RFC 7296 §1.4.1 / RFC 2409
// §5.7, then its SAs and policies go); a peer whose settings differ in
// anything its engine or its SAs are built from (address, version,
// proposals, identities, the PSK, the certificate, key or CA file
// contents, timers, children and their lifetimes) is removed and added
// again; every other peer keeps its engine, its SAs, their sequence numbers
// and its children's reqids.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/ike_config.hpp"

namespace strata::gateway {

// PeerChanges sorts the peers of two configurations, each list in the
// order of the file it comes from.
struct PeerChanges {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> changed;
    std::vector<std::string> unchanged;
    // any is true if the reload touches an IKE peer.
    [[nodiscard]] bool any() const noexcept { return !added.empty() || !removed.empty() || !changed.empty(); }
    // summary is "added a, b; removed c; changed d; unchanged e" (empty parts left out).
    [[nodiscard]] std::string summary() const;
};

// peer_settings describes every setting a peer's engine and SAs are built
// from, except the PSK (same_peer compares it apart, in constant time).
std::string peer_settings(const PeerConfig& p, const GatewaySection& g);

// same_peer is true if a (running under ga) and b (under gb) would run alike.
bool same_peer(const PeerConfig& a, const GatewaySection& ga, const PeerConfig& b, const GatewaySection& gb);

// diff_peers compares the running configuration's peers with the next one's.
PeerChanges diff_peers(const GatewayConfig& running, const GatewayConfig& next);

// ReqidMap is the reqid of each child, by "peer/child".
using ReqidMap = std::map<std::string, std::uint32_t>;

// reqids_of lists the reqids the children of plans carry.
ReqidMap reqids_of(const std::vector<PeerPlan>& plans);

// assign_reqids renumbers the children of plans: a child of a peer named in
// keep takes its reqid from running (its SAs and the acquires of its
// policies carry it); every other child gets next, next + 1, ... so that no
// SA of a removed or re-created peer, still in flight, can match the new
// policies. next is left past the last one given.
void assign_reqids(std::vector<PeerPlan>& plans, const std::vector<std::string>& keep,
                   const ReqidMap& running, std::uint32_t& next);

}  // namespace strata::gateway
