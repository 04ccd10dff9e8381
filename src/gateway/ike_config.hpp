// ike_config.hpp: a gateway configuration's IKE peers as engine settings.
//
// Each [peers.NAME] becomes one IKE engine (IKEv2 by default, IKEv1 for
// `version = 1`) with one connection named after the peer, and each of its
// children gets a reqid that links the SPD PROTECT entries built here to the
// SAs the engine negotiates (as strongSwan links XFRM policies and states).
// The policies are fixed for the life of a configuration; only SAs come and
// go, so the workers' SPD never changes under them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "gateway/config.hpp"
#include "ike/config.hpp"
#include "ike/v1/engine.hpp"
#include "ipsec/spd.hpp"

namespace strata::gateway {

// kFirstIkeReqid is the lowest reqid given to an IKE child; the daemon
// starts above the largest reqid of the manual SAs if that is higher.
inline constexpr std::uint32_t kFirstIkeReqid = 0x10000;

// ChildPlan is one configured child with the reqid its SAs carry. An
// IKEv1 peer has one per quick mode: per (child, local subnet, remote
// subnet) of one IP version, config narrowed to that pair (config.name is
// the configured child's name; name is "child.LxR" if it has several pairs).
struct ChildPlan {
    std::string name;
    std::uint32_t reqid = 0;
    ChildConfig config;
};

// PeerPlan is everything the gateway needs to run one IKE peer.
struct PeerPlan {
    std::string name;
    int version = 2;
    packet::IpAddress local;   // the gateway address IKE and ESP use
    packet::IpAddress remote;  // the peer
    std::vector<ChildPlan> children;
    std::chrono::seconds dpd_delay{0};
    ike::EngineConfig v2;      // version 2: one connection named `name`
    ike::v1::EngineConfig v1;  // version 1: one connection named `name`
};

// plan_peers turns every peer of cfg into a PeerPlan (reqids from
// first_reqid up). Refused: what this gateway cannot run yet, with the
// peer's file:line (an IKEv1 child without a local and remote subnet of
// one IP version). The engines' connections run IKE from ike_port to the
// peer's remote_port and float to natt_port (ours) and 4500 (the peer's, if
// it was 500) on NAT-T. A pubkey peer's connection carries the
// certificates, key and CAs parse_gateway_config loaded, and its engine the
// system clock for their validity (EngineConfig::wall_clock).
core::Result<std::vector<PeerPlan>, ConfigError> plan_peers(const GatewayConfig& cfg,
                                                            std::uint32_t first_reqid = kFirstIkeReqid);

// child_policies returns the SPD entries of every child of plan: for each
// pair of a local and a remote subnet of one IP version, an outbound and an
// inbound PROTECT entry (ESP, the child's mode, tunnel endpoints local and
// remote, the child's reqid).
std::vector<ipsec::Policy> child_policies(const PeerPlan& plan);

// child_lifetimes returns the datapath limits of a child's SAs: soft at
// rekey_time/rekey_bytes/rekey_packets, hard at life_*.
ipsec::Lifetimes child_lifetimes(const ChildConfig& c);

}  // namespace strata::gateway
