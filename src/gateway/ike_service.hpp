// ike_service.hpp: the gateway's IKE engines and what their events do.
//
// One engine per configured peer (ike::v2::Engine, or ike::v1::Engine for
// `version = 1`), all driven from the main thread's event loop: datagrams
// from the IKE sockets (port 500 here, port 4500 through the workers and
// IkeInbox), the time (on_timer at next_timer()), datapath events and
// control requests go in; datagrams go out through the send function, and
// the engines' events become SAD changes in the live Datapath:
//
//   ChildSaUp       inbound + outbound SA installed with the child's reqid,
//                   so the child's SPD PROTECT entries find them
//   ChildSaRekeyed  make-before-break: the new inbound SA is installed at
//                   once. The new outbound SA too if this host sent the
//                   rekey request (the peer has both new SAs by then);
//                   if the peer sent it, the old outbound SA carries on
//                   until the peer's DELETE of the old pair arrives (or
//                   kRetireGrace passes), as the peer may not have its new
//                   inbound SA before it reads our response. The SAD sends
//                   with the newest outbound SA of the reqid. The old
//                   inbound SA takes packets in flight kRetireGrace longer.
//   ChildSaDown     both SAs removed (a replaced pair: its inbound SA stays
//                   until the end of its grace); IkeSaDown removes its
//                   children too
//   IkeSaRekeyed    the children move to the new IKE SA id
//
// Datapath events: an acquire (PROTECT entry without SA) starts a
// negotiation for a child with start_action trap or start; a soft lifetime
// asks the engine to rekey (IKEv2: CREATE_CHILD_SA with REKEY_SA, RFC 7296
// §1.3.3; IKEv1: a new quick mode), a hard one to delete. The sans-IO
// engines never see a socket or a clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "gateway/datapath.hpp"
#include "gateway/ike_config.hpp"
#include "gateway/ike_inbox.hpp"
#include "gateway/log.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v2/engine.hpp"
#include "io/endpoint.hpp"

namespace strata::gateway {

// IkeCounters are the service's own drops and actions (the engines count theirs).
struct IkeCounters {
    std::uint64_t datagrams_in = 0;
    std::uint64_t datagrams_out = 0;
    std::uint64_t send_failed = 0;
    std::uint64_t unknown_peer = 0;      // IKE from an address no peer has
    std::uint64_t acquires = 0;          // datapath asked for an SA
    std::uint64_t acquires_ignored = 0;  // ... for a child with start_action none
    std::uint64_t sa_install_failed = 0;
    std::uint64_t children_up = 0;
    std::uint64_t children_rekeyed = 0;
    std::uint64_t children_down = 0;
};

class IkeService {
public:
    // SendFn sends one bare IKE message from local to remote; the daemon
    // picks the socket and adds the non-ESP marker on the NAT-T port unless
    // raw is set (a NAT keepalive, RFC 3948 §2.3, goes without one).
    using SendFn = std::function<bool(const io::Endpoint& local, const io::Endpoint& remote,
                                      core::ByteView data, bool raw)>;

    // kRetireGrace is how long a replaced inbound SA still accepts packets.
    static constexpr std::chrono::seconds kRetireGrace{3};
    // kInitiateHoldOff: an acquire does not start a second negotiation for
    // a peer within this time of the first.
    static constexpr std::chrono::seconds kInitiateHoldOff{10};

    IkeService(std::vector<PeerPlan> plans, SendFn send, Logger& log);
    ~IkeService();
    IkeService(const IkeService&) = delete;
    IkeService& operator=(const IkeService&) = delete;

    // set_datapath points the service at the live Datapath (not owned); the
    // SAs it installed so far move into it (a reload's new generation).
    void set_datapath(Datapath* dp);

    // start initiates every child with start_action = start.
    void start(core::Instant now);
    // receive handles one IKE message (bare: no non-ESP marker).
    void receive(const io::Endpoint& local, const io::Endpoint& remote, core::ByteView data,
                 core::Instant now);
    // datapath_event handles an acquire or a lifetime event.
    void datapath_event(const InboxEvent& e, core::Instant now);
    // lifetime_tick reports a time lifetime the daemon's ticker saw on sa.
    void lifetime_tick(const ipsec::SecurityAssociation& sa, bool hard, core::Instant now);
    // on_timer runs the engines' timers and retires replaced SAs.
    void on_timer(core::Instant now);
    [[nodiscard]] std::optional<core::Instant> next_timer() const;
    // shutdown sends DELETE for every SA of every engine and removes the SAs.
    void shutdown(core::Instant now);
    // add_peer starts an engine for a peer a reload added (reload_plan.hpp)
    // and initiates if one of its children has start_action = start.
    void add_peer(PeerPlan plan, core::Instant now);
    // remove_peer sends DELETE for every SA of the peer's engine (RFC 7296
    // §1.4.1, RFC 2409 §5.7), takes its CHILD SAs out of the datapath and
    // drops the engine; false if there is no such peer.
    bool remove_peer(const std::string& name, core::Instant now);

    // Control requests: NAME is a peer, or one of its children ("child" or
    // "peer/child"): initiate then asks for that child alone if the IKEv2
    // SA is up, rekey rekeys that child's SAs only. The string says what was
    // done, or why not (ok = false).
    struct Reply {
        bool ok = false;
        std::string message;
    };
    Reply initiate(const std::string& name, core::Instant now);
    Reply terminate(const std::string& name, core::Instant now);
    Reply rekey(const std::string& name, core::Instant now);
    // rekey_ike replaces the peer's IKE SA(s) (IKEv2: CREATE_CHILD_SA with
    // a new SA payload of protocol IKE, RFC 7296 §1.3.2 and §2.18, the
    // CHILD SAs move over unchanged; IKEv1: a new main mode).
    Reply rekey_ike(const std::string& name, core::Instant now);

    // ike_sas lists the IKE SAs (with their children), each with
    // rekey_in_seconds and expires_in_seconds (null: none scheduled).
    [[nodiscard]] nlohmann::json ike_sas(core::Instant now) const;
    // child_view is IKE's view of one installed SA (by SPI and direction):
    // {"state": "installed"|"replaced", "rekey_in_seconds", "expires_in_seconds"};
    // null if the SA is not one of the IKE children.
    [[nodiscard]] nlohmann::json child_view(std::uint32_t spi, ipsec::Direction dir, core::Instant now) const;
    [[nodiscard]] nlohmann::json counters() const;
    [[nodiscard]] std::size_t ike_sa_count() const;
    [[nodiscard]] std::size_t child_count() const noexcept { return children_.size(); }
    [[nodiscard]] const IkeCounters& stats() const noexcept { return counters_; }

    struct Peer;
    struct IkeRecord;
    struct Installed;

private:
    template <typename Output>
    void handle(Peer& p, Output out, core::Instant now);
    void on_event(Peer& p, ike::Event&& ev, core::Instant now);
    std::optional<std::uint32_t> install(Peer& p, const ike::IkeSaId& id, ike::ChildSaKeys keys,
                                         core::Instant now);
    void remove_child(std::uint32_t spi_in, const std::string& why);
    // activate_out puts a child's outbound SA into the datapath (it carries
    // the traffic from then on) and takes out the one it replaces.
    void activate_out(Installed& c, const char* why);
    // retire takes a replaced child's outbound SA out now and schedules its
    // inbound one to go after kRetireGrace.
    void retire(Installed& c, core::Instant now);
    // child_rekeyed handles ChildSaRekeyed (make-before-break).
    void child_rekeyed(Peer& p, ike::ChildSaRekeyed& e, core::Instant now);
    // child_down handles ChildSaDown.
    void child_down(const ike::ChildSaDown& e, core::Instant now);
    // jitter returns a random duration in [0, max] (spreads rekeys, as
    // strongSwan's rand_time, so two peers rarely rekey at once).
    core::Duration jitter(core::Duration max);
    Peer* find_peer(const std::string& name);
    Installed* find_sa(std::uint32_t spi, ipsec::Direction dir);
    void start_peer(Peer& p, core::Instant now, const char* why);
    // start_child negotiates a child that has no SA: CREATE_CHILD_SA on the
    // peer's IKEv2 SA, or else the IKE SA itself (each held off kInitiateHoldOff).
    void start_child(Peer& p, const ChildPlan& ch, core::Instant now, const char* why);
    // find_children is the child a control NAME ("child" or "peer/child")
    // names (an IKEv1 child of several subnet pairs: each "child.LxR", or
    // all of them by the child's name); empty: the whole peer.
    static std::vector<const ChildPlan*> find_children(const Peer& p, const std::string& name);
    void lifetime(std::uint32_t spi, ipsec::Direction dir, bool hard, core::Instant now);

    std::vector<std::unique_ptr<Peer>> peers_;
    SendFn send_;
    Logger& log_;
    crypto::SystemRandom rng_;
    Datapath* dp_ = nullptr;
    std::map<std::uint32_t, Installed> children_;  // by inbound SPI
    IkeCounters counters_;
};

}  // namespace strata::gateway
