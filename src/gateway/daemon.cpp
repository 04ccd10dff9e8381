#include "gateway/daemon.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <thread>

#include "gateway/control_server.hpp"
#include "gateway/datapath.hpp"
#include "gateway/ike_config.hpp"
#include "gateway/ike_service.hpp"
#include "gateway/reload_plan.hpp"
#include "gateway/tun_routes.hpp"
#include "gateway/worker.hpp"
#include "ike/config.hpp"
#include "io/datagram_socket.hpp"
#include "io/event_loop.hpp"
#include "io/process.hpp"
#include "io/signals.hpp"
#include "io/socket_options.hpp"
#include "io/tun.hpp"
#include "ipsec/udp_encap.hpp"

namespace strata::gateway {

namespace {

using nlohmann::json;

json ok(Command c, json data) {
    return json{{"ok", true}, {"command", std::string(to_string(c))}, {"data", std::move(data)}};
}
json error(Command c, const std::string& why) {
    return json{{"ok", false}, {"command", std::string(to_string(c))}, {"error", why}};
}

std::string ip_program() {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (::access(p, X_OK) == 0) return p;
    }
    return "ip";
}

std::string hex32(std::uint32_t v) { return fmt::format("0x{:08x}", v); }

// marked_ike tells whether IKE between two ports other than the NAT-T port
// carries the non-ESP marker: when neither is 500 (RFC 3948 §2.2 marks IKE
// on the NAT-T port; strongSwan marks IKE on every port but 500, so a
// gateway whose ike_port is not 500 talks to it that way).
bool marked_ike(std::uint16_t local_port, std::uint16_t remote_port) {
    return local_port != ike::kIkePort && remote_port != ike::kIkePort;
}

// kMaxIkeDatagram is the receive buffer for one IKE datagram on port 500.
constexpr std::size_t kMaxIkeDatagram = 65535;

std::string range_text(const ipsec::AddressRange& r) {
    if (r.first == r.last) return r.first.to_string();
    auto prefixes = range_to_prefixes(r.first, r.last);
    if (prefixes.size() == 1) return prefixes.front().to_string();
    return r.first.to_string() + "-" + r.last.to_string();
}

std::string ports_text(const ipsec::PortRange& p) {
    if (p.any()) return "any";
    if (p.first == p.last) return std::to_string(p.first);
    return std::to_string(p.first) + "-" + std::to_string(p.last);
}

constexpr std::uint8_t kProtoAh = 51;  // RFC 4302 §2

// open_ah_sender opens the raw socket manual AH SAs leave through: AH
// authenticates the outer header's immutable fields (RFC 4302 §3.3.3.1.1,
// §3.3.3.1.2), so the header goes out as the datapath built it. IPv4:
// IP_HDRINCL (the kernel fills in the checksum and the length, and replaces
// an ID of 0 when DF is clear, which would fail the peer's ICV check;
// DF-clear packets rarely have ID 0, pings and TCP set DF). IPv6:
// IPV6_HDRINCL (Linux 4.5 and later), which sends the header untouched; an
// AF_PACKET socket would also do, but would have to choose the interface
// and the next hop's link address itself, which routing does here. Its
// input is discarded (worker 0 has the receiver) and it carries kOwnMark,
// so the bypass rules keep it out of the TUN device (tun_routes.hpp).
core::Result<io::DatagramSocket, std::string> open_ah_sender(const packet::IpAddress& a) {
    auto s = io::DatagramSocket::open_raw(a, kProtoAh);
    if (!s) return core::fail(io::to_string(s.error()));
    if (auto f = s->discard_input(); !f) return core::fail(io::to_string(f.error()));
    if (auto h = io::include_ip_header(*s); !h) return core::fail(io::to_string(h.error()));
    if (auto m = io::set_mark(*s, kOwnMark); !m) return core::fail(io::to_string(m.error()));
    return std::move(s).value();
}

// open_raw_receiver opens worker 0's raw socket for ESP or AH on a. An IPv6
// one delivers no IPv6 header (ipv6(7)); it reports the destination and
// traffic class instead, from which the worker rebuilds the header
// (outer_header.hpp: restore_ip_header).
core::Result<io::DatagramSocket, std::string> open_raw_receiver(const packet::IpAddress& a,
                                                                std::uint8_t protocol) {
    auto s = io::DatagramSocket::open_raw(a, protocol, 4 << 20);
    if (!s) return core::fail(io::to_string(s.error()));
    if (a.is_v6()) {
        if (auto t = io::receive_tos(*s); !t) return core::fail(io::to_string(t.error()));
        if (auto d = io::receive_destination(*s); !d) return core::fail(io::to_string(d.error()));
    }
    return std::move(s).value();
}

}  // namespace

struct Daemon::State {
    GatewayConfig cfg;
    core::RealClock clock;
    core::Instant started{};
    std::unique_ptr<io::EventLoop> loop;
    std::optional<io::SignalSet> signals;
    std::optional<io::TunDevice> tun;
    std::vector<packet::IpPrefix> routes;
    DatapathHandle handle;
    std::shared_ptr<Datapath> live;  // the published generation; IKE adds and removes its SAs here
    std::vector<std::unique_ptr<Worker>> workers;
    // IKE: ike_port sockets on this thread and the workers' inbox for
    // natt_port and datapath events (both even without [peers], so that a
    // reload can add the first ones), the engines (none without [peers]).
    std::vector<io::DatagramSocket> ike_sockets;
    std::unique_ptr<IkeInbox> inbox;
    std::unique_ptr<IkeService> ike;
    std::uint32_t first_reqid = kFirstIkeReqid;
    ReqidMap reqids;               // of the running children, by "peer/child"
    std::uint32_t next_reqid = 0;  // the next one a child added by a reload gets
    io::EventLoop::TimerId ike_timer = -1;
    std::uint64_t ike_unavailable = 0;  // IKE messages on port 500 with no [peers]
    std::vector<io::RecvSlot> ike_slots;
    std::vector<core::Bytes> ike_bufs;
    std::unique_ptr<ControlServer> control;
    std::uint64_t reloads = 0;
    std::string last_reload_error;
};

Daemon::Daemon(std::string config_path, Logger& log, std::optional<LogLevel> cli_level)
    : path_(std::move(config_path)), log_(log), cli_level_(cli_level), st_(std::make_unique<State>()) {}

Daemon::~Daemon() { stop(); }

int Daemon::run() {
    // Signals first: every thread started later inherits the blocked mask.
    auto sig = io::SignalSet::open({SIGTERM, SIGINT, SIGHUP});
    if (!sig) {
        log_.error("{}", io::to_string(sig.error()));
        return 1;
    }
    st_->signals.emplace(std::move(sig).value());
    if (!start()) {
        stop();
        return 1;
    }
    auto& loop = *st_->loop;
    (void)loop.add(st_->signals->fd(), io::kReadable, [this, &loop](std::uint32_t) {
        while (auto s = st_->signals->next()) {
            if (*s == SIGHUP) {
                log_.info("SIGHUP: reloading {}", path_);
                if (auto e = reload())
                    log_.error("reload refused, keeping the running configuration: {}", *e);
            } else {
                log_.info("{}: stopping", *s == SIGTERM ? "SIGTERM" : "SIGINT");
                if (st_->ike) {
                    // RFC 7296 §1.4.1 / RFC 2409 §5.7: tell the peers their SAs are gone.
                    st_->ike->shutdown(st_->clock.now());
                    log_.info("IKE: DELETE sent for every SA");
                }
                loop.stop();
            }
        }
    });
    (void)loop.add_timer(std::chrono::seconds(1), std::chrono::seconds(1), [this] {
        st_->control->sweep(std::chrono::steady_clock::now());
        // Time lifetimes are checked here too, so an idle SA still expires.
        if (auto dp = st_->handle.current()) {
            const core::Instant now = st_->clock.now();
            for (const auto& sa : dp->sad().all()) {
                const ipsec::LifetimeEvent e = sa->tick(now);
                if (e != ipsec::LifetimeEvent::None && st_->ike && sa->config().reqid >= st_->first_reqid) {
                    st_->ike->lifetime_tick(*sa, e == ipsec::LifetimeEvent::HardExpired, now);
                    continue;
                }
                if (e == ipsec::LifetimeEvent::HardExpired)
                    log_.error("SA '{}' (SPI {}) reached its hard lifetime", dp->name_of(sa.get()),
                               hex32(sa->spi()));
                if (e == ipsec::LifetimeEvent::SoftExpired)
                    log_.warn("SA '{}' (SPI {}) reached its soft lifetime; manual SAs are not rekeyed",
                              dp->name_of(sa.get()), hex32(sa->spi()));
            }
        }
        if (st_->ike) arm_ike_timer();
    });
    log_.info("gateway running: tun {}, {} worker(s), control socket {}", st_->tun->name(),
              st_->workers.size(), st_->cfg.gateway.control_socket);
    loop.run();
    stop();
    log_.info("gateway stopped");
    return 0;
}

bool Daemon::start() {
    auto cfg = load_gateway_config(path_);
    if (!cfg) {
        log_.error("configuration refused: {}", cfg.error().message);
        return false;
    }
    if (auto r = check_runnable(*cfg); !r) {
        log_.error("configuration refused: {}", r.error().message);
        return false;
    }
    st_->cfg = std::move(cfg).value();
    GatewayConfig& c = st_->cfg;
    log_.set_level(cli_level_.value_or(c.gateway.log_level));
    st_->started = st_->clock.now();

    auto loop = io::EventLoop::create();
    if (!loop) {
        log_.error("{}", io::to_string(loop.error()));
        return false;
    }
    st_->loop = std::move(loop).value();

    const std::vector<packet::IpPrefix> prefixes = remote_prefixes(c);  // before the manual SAs move out
    st_->first_reqid = first_ike_reqid(c);
    auto plans = plan_peers(c, st_->first_reqid);
    if (!plans) {
        log_.error("configuration refused: {}", plans.error().message);
        return false;
    }
    st_->reqids = reqids_of(*plans);
    st_->next_reqid = st_->first_reqid;
    for (const auto& [name, reqid] : st_->reqids) st_->next_reqid = std::max(st_->next_reqid, reqid + 1);
    std::vector<ipsec::Policy> ike_policies;
    for (const auto& p : *plans) {
        auto pol = child_policies(p);
        ike_policies.insert(ike_policies.end(), std::make_move_iterator(pol.begin()),
                            std::make_move_iterator(pol.end()));
    }
    const std::size_t n_ike_policies = ike_policies.size();
    auto dp = Datapath::build(c.manual ? std::move(*c.manual) : config::ManualKeying{}, nullptr,
                              st_->clock.now(), std::move(ike_policies));
    c.manual.reset();
    if (!dp) {
        log_.error("{}: {}", c.gateway.manual.empty() ? path_ : c.gateway.manual, dp.error().message);
        return false;
    }
    if (!c.gateway.manual.empty())
        log_.info("{}: {} SA(s), {} policies", c.gateway.manual, (*dp)->sad().size(),
                  (*dp)->spd().size() - n_ike_policies);
    st_->live = std::move(dp).value();
    st_->handle.publish(st_->live);
    {
        // The inbox exists even without [peers]: the workers keep its
        // address for their life, and a reload may add the first peers.
        auto note = io::Notifier::open();
        if (!note) {
            log_.error("{}", io::to_string(note.error()));
            return false;
        }
        st_->inbox = std::make_unique<IkeInbox>(std::move(note).value(), st_->first_reqid);
    }
    if (!plans->empty()) {
        log_.info("IKE: {} peer(s), {} policies", plans->size(), n_ike_policies);
        create_ike_service(std::move(plans).value());
    }

    std::size_t nworkers = c.gateway.workers;
    if (nworkers == 0) nworkers = std::max(1U, std::thread::hardware_concurrency());

    auto tun = io::TunDevice::open(c.gateway.tun, nworkers);
    if (!tun) {
        log_.error("TUN device {}: {}", c.gateway.tun, io::to_string(tun.error()));
        return false;
    }
    st_->tun.emplace(std::move(tun).value());
    if (auto r = st_->tun->set_mtu(c.gateway.tun_mtu); !r) {
        log_.error("TUN {}: {}", st_->tun->name(), io::to_string(r.error()));
        return false;
    }
    if (auto r = st_->tun->set_up(); !r) {
        log_.error("TUN {}: {}", st_->tun->name(), io::to_string(r.error()));
        return false;
    }
    log_.info("TUN {} up, mtu {}, {} queue(s)", st_->tun->name(), c.gateway.tun_mtu, st_->tun->queues());
    if (needs_own_table(c, prefixes)) {
        // A subnet holds a peer: keep our own IKE and ESP out of the TUN device (tun_routes.hpp).
        if (auto e = add_bypass_rules(ip_program(), c)) {
            log_.error("{}", *e);
            return false;
        }
        log_.info("policy rules {}+: own IKE/ESP via main, the rest via table {}", kRulePriority, kTunTable);
    }
    if (auto e = set_routes(prefixes)) {
        log_.error("{}", *e);
        return false;
    }

    for (std::size_t w = 0; w < nworkers; ++w) {
        WorkerSockets socks;
        socks.tun_fd = st_->tun->queue_fd(w);
        for (const auto& a : c.gateway.addresses) {
            io::UdpOptions opt;
            opt.reuse_port = true;
            opt.receive_buffer = 4 << 20;
            opt.send_buffer = 4 << 20;
            auto u = io::DatagramSocket::bind_udp(io::Endpoint{a, c.gateway.natt_port}, opt);
            if (!u) {
                log_.error("UDP {}: {}", io::Endpoint{a, c.gateway.natt_port}.to_string(),
                           io::to_string(u.error()));
                return false;
            }
            // The outer TOS / traffic class of ESP in UDP, for ECN and DSCP
            // decapsulation (RFC 6040 §4.2, RFC 4301 §5.1.2.1).
            if (auto t = io::receive_tos(*u); !t) {
                log_.error("UDP {}: {}", io::Endpoint{a, c.gateway.natt_port}.to_string(),
                           io::to_string(t.error()));
                return false;
            }
            socks.udp.push_back(std::move(u).value());
            auto send = io::DatagramSocket::open_raw(a, 50);
            if (!send) {
                log_.error("raw ESP socket on {}: {}", a.to_string(), io::to_string(send.error()));
                return false;
            }
            if (auto f = send->discard_input(); !f) {
                log_.error("raw ESP socket: {}", io::to_string(f.error()));
                return false;
            }
            socks.esp_send.push_back(std::move(send).value());
            if (w == 0) {
                auto recv = open_raw_receiver(a, 50);
                if (!recv) {
                    log_.error("raw ESP socket on {}: {}", a.to_string(), recv.error());
                    return false;
                }
                socks.esp_recv.push_back(std::move(recv).value());
            }
            auto ah = open_ah_sender(a);
            if (!ah) {
                log_.error("raw AH socket on {}: {}", a.to_string(), ah.error());
                return false;
            }
            socks.ah_send.push_back(std::move(ah).value());
            if (w == 0) {
                auto recv = open_raw_receiver(a, kProtoAh);
                if (!recv) {
                    log_.error("raw AH socket on {}: {}", a.to_string(), recv.error());
                    return false;
                }
                socks.ah_recv.push_back(std::move(recv).value());
            }
        }
        auto worker =
            std::make_unique<Worker>(w, std::move(socks), st_->handle, st_->clock, log_, st_->inbox.get());
        st_->workers.push_back(std::move(worker));
    }

    for (const auto& a : c.gateway.addresses) {
        auto ike = io::DatagramSocket::bind_udp(io::Endpoint{a, c.gateway.ike_port});
        if (!ike) {
            log_.error("UDP {}: {}", io::Endpoint{a, c.gateway.ike_port}.to_string(),
                       io::to_string(ike.error()));
            return false;
        }
        st_->ike_sockets.push_back(std::move(ike).value());
    }
    st_->ike_bufs.assign(io::DatagramSocket::kMaxBatch, core::Bytes(kMaxIkeDatagram));
    st_->ike_slots.resize(io::DatagramSocket::kMaxBatch);
    for (auto& s : st_->ike_sockets) {
        if (auto r = st_->loop->add(s.fd(), io::kReadable, [this, &s](std::uint32_t) { on_ike_socket(s); });
            !r) {
            log_.error("{}", io::to_string(r.error()));
            return false;
        }
    }
    if (st_->inbox) {
        if (auto r = st_->loop->add(st_->inbox->fd(), io::kReadable, [this](std::uint32_t) { on_inbox(); });
            !r) {
            log_.error("{}", io::to_string(r.error()));
            return false;
        }
    }

    auto control = ControlServer::start(*st_->loop, c.gateway.control_socket,
                                        [this](const Request& r) { return handle(r); });
    if (!control) {
        log_.error("control socket {}: {}", c.gateway.control_socket, io::to_string(control.error()));
        return false;
    }
    st_->control = std::move(control).value();

    for (auto& w : st_->workers) {
        if (auto r = w->start(); !r) {
            log_.error("worker: {}", io::to_string(r.error()));
            return false;
        }
    }
    if (st_->ike) {
        st_->ike->set_datapath(st_->live.get());
        st_->ike->start(st_->clock.now());
        arm_ike_timer();
    }
    return true;
}

void Daemon::create_ike_service(std::vector<PeerPlan> plans) {
    st_->ike = std::make_unique<IkeService>(
        std::move(plans),
        [this](const io::Endpoint& l, const io::Endpoint& r, core::ByteView d, bool raw) {
            return send_ike(l, r, d, raw);
        },
        log_);
}

std::uint32_t Daemon::first_ike_reqid(const GatewayConfig& c) {
    std::uint32_t highest = 0;
    if (c.manual) {
        for (const auto& sa : c.manual->sas) highest = std::max(highest, sa.reqid);
        for (const auto& p : c.manual->policies) highest = std::max(highest, p.protect.reqid);
    }
    return std::max(kFirstIkeReqid, highest + 1);
}

bool Daemon::send_ike(const io::Endpoint& local, const io::Endpoint& remote, core::ByteView data, bool raw) {
    const GatewaySection& g = st_->cfg.gateway;
    int fd = -1;
    core::Bytes framed;
    core::ByteView out = data;
    // The socket is the one bound to the local port: natt_port belongs to
    // the workers, ike_port to this thread.
    bool marker = false;
    if (local.port == g.natt_port) {
        // RFC 3948 §2.2: IKE on the NAT-T port starts with four zero bytes.
        if (!st_->workers.empty()) fd = st_->workers.front()->udp_fd(local.address);
        marker = true;
    } else {
        for (const auto& s : st_->ike_sockets) {
            if (s.local().address == local.address) fd = s.fd();
        }
        marker = marked_ike(local.port, remote.port);
    }
    if (marker && !raw) {
        framed.assign(4, 0);
        framed.insert(framed.end(), data.begin(), data.end());
        out = core::ByteView(framed.data(), framed.size());
    }
    if (fd < 0) {
        log_.warn("IKE to {}: no socket on {}", remote.to_string(), local.to_string());
        return false;
    }
    if (auto r = io::send_datagram(fd, out, remote); !r) {
        log_.warn("IKE to {}: {}", remote.to_string(), io::to_string(r.error()));
        return false;
    }
    return true;
}

void Daemon::on_ike_socket(io::DatagramSocket& s) {
    for (std::size_t i = 0; i < st_->ike_slots.size(); ++i) {
        st_->ike_slots[i] = io::RecvSlot{};
        st_->ike_slots[i].buffer = core::MutableByteView(st_->ike_bufs[i].data(), st_->ike_bufs[i].size());
    }
    auto got = s.recv_batch(st_->ike_slots);
    if (!got) return;
    const core::Instant now = st_->clock.now();
    for (std::size_t i = 0; i < *got; ++i) {
        const io::RecvSlot& slot = st_->ike_slots[i];
        if (!st_->ike) {
            ++st_->ike_unavailable;
            log_.debug("IKE datagram from {} dropped: no [peers] configured", slot.from.to_string());
            continue;
        }
        if (slot.truncated)
            continue;  // counted by the engine as nothing: longer than any IKE message we take
        core::ByteView msg(st_->ike_bufs[i].data(), slot.length);
        if (marked_ike(s.local().port, slot.from.port)) {
            // Neither port is 500: IKE comes behind the non-ESP marker (as
            // on the NAT-T port, RFC 3948 §2.2), as strongSwan sends it.
            // NAT keepalives (§2.3) are dropped; anything unmarked goes to
            // the engine as it is (a bare IKE message, or garbage it counts).
            auto kind = ipsec::classify_udp_encap(msg);
            if (kind && kind->kind == ipsec::UdpEncapKind::NatKeepalive) continue;
            if (kind && kind->kind == ipsec::UdpEncapKind::Ike) msg = kind->ike;
        }
        st_->ike->receive(s.local(), slot.from, msg, now);
    }
    if (st_->ike) arm_ike_timer();
}

void Daemon::on_inbox() {
    st_->inbox->drain();
    std::vector<InboxDatagram> datagrams;
    std::vector<InboxEvent> events;
    st_->inbox->take(datagrams, events);
    if (!st_->ike) {
        // No [peers] (yet): IKE on the NAT-T port is counted as on ike_port.
        st_->ike_unavailable += datagrams.size();
        for (const auto& d : datagrams)
            log_.debug("IKE datagram from {} dropped: no [peers] configured", d.remote.to_string());
        for (const auto& e : events)
            log_.warn("datapath event for reqid {} with no IKE peers: manual keying has no SA to offer",
                      e.reqid);
        return;
    }
    const core::Instant now = st_->clock.now();
    for (const auto& d : datagrams)
        st_->ike->receive(d.local, d.remote, core::ByteView(d.data.data(), d.data.size()), now);
    for (const auto& e : events) st_->ike->datapath_event(e, now);
    arm_ike_timer();
}

void Daemon::arm_ike_timer() {
    if (st_->ike_timer >= 0) {
        st_->loop->cancel_timer(st_->ike_timer);
        st_->ike_timer = -1;
    }
    auto next = st_->ike->next_timer();
    if (!next) return;
    const core::Instant now = st_->clock.now();
    const auto wait = *next > now ? std::chrono::duration_cast<std::chrono::nanoseconds>(*next - now)
                                  : std::chrono::nanoseconds(1);
    auto t = st_->loop->add_timer(wait, std::chrono::nanoseconds(0), [this] {
        st_->ike->on_timer(st_->clock.now());
        arm_ike_timer();
    });
    if (t) st_->ike_timer = *t;
}

void Daemon::stop() {
    if (st_->ike_timer >= 0 && st_->loop) st_->loop->cancel_timer(st_->ike_timer);
    st_->ike_timer = -1;
    for (auto& w : st_->workers) w->stop();
    for (auto& w : st_->workers) w->join();
    st_->workers.clear();
    if (st_->ike) st_->ike->set_datapath(nullptr);
    st_->ike.reset();
    st_->ike_sockets.clear();
    st_->inbox.reset();
    st_->control.reset();
    // Closing the TUN device removes it and the routes through it.
    st_->tun.reset();
    if (needs_own_table(st_->cfg, st_->routes)) remove_bypass_rules(ip_program(), st_->cfg);
    st_->routes.clear();
}

std::optional<std::string> Daemon::set_routes(const std::vector<packet::IpPrefix>& wanted,
                                              const GatewayConfig* before) {
    const std::string ip = ip_program();
    const std::set<packet::IpPrefix> want(wanted.begin(), wanted.end());
    const std::set<packet::IpPrefix> have(st_->routes.begin(), st_->routes.end());
    const GatewayConfig& old_cfg = before != nullptr ? *before : st_->cfg;
    for (const auto& p : have) {
        // A route stays unless it is no longer wanted or moves (table, source).
        const TunRoute was = plan_route(old_cfg, p);
        const TunRoute now = plan_route(st_->cfg, p);
        if (want.count(p) != 0 && was.own_table == now.own_table && was.src == now.src) continue;
        auto r = io::run_program(route_argv(ip, "del", was, st_->tun->name()));
        if (r && r->exit_status == 0) log_.info("route {} via {} removed", p.to_string(), st_->tun->name());
    }
    st_->routes.clear();
    for (const auto& p : want) {
        // argv straight to the program: no shell, nothing is interpreted.
        auto r = io::run_program(route_argv(ip, "replace", plan_route(st_->cfg, p), st_->tun->name()));
        if (!r) return "route " + p.to_string() + ": " + io::to_string(r.error());
        if (r->exit_status != 0)
            return "route " + p.to_string() + " via " + st_->tun->name() + ": ip said: " + r->error_output;
        st_->routes.push_back(p);
        log_.info("route {} via {}", p.to_string(), st_->tun->name());
    }
    return std::nullopt;
}

std::optional<std::string> Daemon::reload() {
    // Everything that can refuse the file runs before anything changes, so
    // a refused file leaves the running configuration in place.
    auto cfg = load_gateway_config(path_);
    if (!cfg) return cfg.error().message;
    if (auto r = check_runnable(*cfg); !r) return r.error().message;
    const GatewaySection& old = st_->cfg.gateway;
    const GatewaySection& neu = cfg->gateway;
    if (old.addresses != neu.addresses || old.tun != neu.tun || old.natt_port != neu.natt_port ||
        old.ike_port != neu.ike_port || old.workers != neu.workers ||
        old.control_socket != neu.control_socket || old.tun_mtu != neu.tun_mtu)
        return path_ +
               ": changes to gateway addresses, ports, tun, tun_mtu, workers or control_socket need a "
               "restart";
    // The IKE children's reqids start at first_reqid, fixed at start: the
    // workers tell IKE SAs from manual ones by it (IkeInbox), and running
    // CHILD SAs and their SPD entries carry their reqids. Manual SAs that
    // grow into that range cannot be renumbered around while IKE runs or
    // is about to.
    if (first_ike_reqid(*cfg) > st_->first_reqid && (st_->ike || !cfg->peers.empty()))
        return path_ + ": the manual SAs' reqids reach into the IKE children's (" +
               std::to_string(st_->first_reqid) + " and up): restart to renumber";
    const PeerChanges changes = diff_peers(st_->cfg, *cfg);
    const std::vector<packet::IpPrefix> prefixes = remote_prefixes(*cfg);
    auto plans = plan_peers(*cfg, st_->first_reqid);
    if (!plans) return plans.error().message;
    // Unchanged peers keep their children's reqids (their SAs carry them);
    // added and re-created ones get new ones.
    std::uint32_t next_reqid = st_->next_reqid;
    assign_reqids(*plans, changes.unchanged, st_->reqids, next_reqid);
    std::vector<ipsec::Policy> ike_policies;
    for (const auto& p : *plans) {
        auto pol = child_policies(p);
        ike_policies.insert(ike_policies.end(), std::make_move_iterator(pol.begin()),
                            std::make_move_iterator(pol.end()));
    }
    auto previous = st_->handle.current();
    auto dp = Datapath::build(cfg->manual ? std::move(*cfg->manual) : config::ManualKeying{}, previous.get(),
                              st_->clock.now(), std::move(ike_policies));
    cfg->manual.reset();
    if (!dp) return (neu.manual.empty() ? path_ : neu.manual) + ": " + dp.error().message;

    // Accepted. Peers that go (removed, or changed and re-created below)
    // send DELETE for their SAs and take them out of the running datapath.
    const core::Instant now = st_->clock.now();
    if (st_->ike) {
        for (const auto* list : {&changes.removed, &changes.changed}) {
            for (const auto& name : *list) {
                if (st_->ike->remove_peer(name, now))
                    log_.info("peer '{}' {}: DELETE sent for its SAs, engine removed", name,
                              list == &changes.removed ? "removed" : "changed");
            }
        }
    }
    const std::size_t carried = (*dp)->carried_over();
    const std::size_t total = (*dp)->sad().size();
    st_->live = std::move(dp).value();
    if (!st_->ike && !plans->empty()) {
        // The first [peers] of a gateway started without: the IKE sockets
        // and the workers' inbox are already there; the engines start below.
        create_ike_service({});
        log_.info("IKE: started by a reload ({} peer(s))", plans->size());
    }
    // The IKE SAs move into the new generation before workers switch to it.
    if (st_->ike) st_->ike->set_datapath(st_->live.get());
    st_->handle.publish(st_->live);
    GatewayConfig before = std::move(st_->cfg);
    st_->cfg = std::move(cfg).value();
    st_->reqids = reqids_of(*plans);
    st_->next_reqid = next_reqid;
    if (st_->ike) {
        for (auto& plan : *plans) {
            const bool fresh = std::find(changes.unchanged.begin(), changes.unchanged.end(), plan.name) ==
                               changes.unchanged.end();
            if (!fresh) continue;
            log_.info("peer '{}': engine started (IKEv{}, {})", plan.name, plan.version,
                      std::find(changes.added.begin(), changes.added.end(), plan.name) != changes.added.end()
                          ? "added"
                          : "re-created with its new settings");
            st_->ike->add_peer(std::move(plan), now);
        }
        arm_ike_timer();
    }
    log_.set_level(cli_level_.value_or(st_->cfg.gateway.log_level));
    ++st_->reloads;
    log_.info("reloaded: {} SA(s) ({} carried over with their counters); peers: {}", total, carried,
              changes.summary());
    // Routes and the policy rules follow the new children (tun_routes.hpp).
    const std::string ip = ip_program();
    const bool had_rules = needs_own_table(before, st_->routes);
    const bool need_rules = needs_own_table(st_->cfg, prefixes);
    if (need_rules && !had_rules) {
        if (auto e = add_bypass_rules(ip, st_->cfg)) return *e;
    }
    if (auto e = set_routes(prefixes, &before)) return *e;
    if (had_rules && !need_rules) remove_bypass_rules(ip, before);
    return std::nullopt;
}

json Daemon::handle(const Request& req) {
    switch (req.command) {
        case Command::Status: return ok(req.command, status());
        case Command::ListSas: return ok(req.command, list_sas());
        case Command::ListPolicies: return ok(req.command, list_policies());
        case Command::Counters: return ok(req.command, counters());
        case Command::Initiate:
        case Command::Terminate:
        case Command::Rekey: {
            if (st_->ike) {
                const core::Instant now = st_->clock.now();
                IkeService::Reply r;
                if (req.command == Command::Initiate) r = st_->ike->initiate(req.name, now);
                if (req.command == Command::Terminate) r = st_->ike->terminate(req.name, now);
                if (req.command == Command::Rekey)
                    r = req.ike ? st_->ike->rekey_ike(req.name, now) : st_->ike->rekey(req.name, now);
                arm_ike_timer();
                if (!r.ok) return error(req.command, r.message);
                return ok(req.command, json{{"message", r.message}});
            }
            return error(req.command,
                         std::string(to_string(req.command)) + " " + req.name +
                             ": not available for manually keyed SAs (this gateway runs no IKE peers "
                             "in this configuration; manual SAs are installed at start and on reload)");
        }
        case Command::Reload: {
            if (auto e = reload()) {
                st_->last_reload_error = *e;
                return error(req.command, *e);
            }
            return ok(req.command, json{{"reloads", st_->reloads}});
        }
    }
    return error(req.command, "unknown command");
}

json Daemon::status() const {
    const auto dp = st_->handle.current();
    const auto up = std::chrono::duration_cast<std::chrono::seconds>(st_->clock.now() - st_->started);
    json addrs = json::array();
    for (const auto& a : st_->cfg.gateway.addresses) addrs.push_back(a.to_string());
    json routes = json::array();
    for (const auto& r : st_->routes) routes.push_back(r.to_string());
    std::uint64_t tun_rx = 0;
    std::uint64_t tun_tx = 0;
    std::uint64_t net_rx = 0;
    std::uint64_t net_tx = 0;
    for (const auto& w : st_->workers) {
        tun_rx += w->counters().tun_rx_packets.load(std::memory_order_relaxed);
        tun_tx += w->counters().tun_tx_packets.load(std::memory_order_relaxed);
        net_rx += w->counters().net_rx_packets.load(std::memory_order_relaxed);
        net_tx += w->counters().net_tx_packets.load(std::memory_order_relaxed);
    }
    return json{
        {"pid", ::getpid()},
        {"config", path_},
        {"uptime_seconds", up.count()},
        {"mode",
         st_->ike ? (st_->cfg.gateway.manual.empty() ? "IKE" : "IKE and manual keying") : "manual keying"},
        {"manual", st_->cfg.gateway.manual},
        {"tun", st_->tun ? st_->tun->name() : std::string()},
        {"tun_mtu", st_->cfg.gateway.tun_mtu},
        {"workers", st_->workers.size()},
        {"addresses", addrs},
        {"natt_port", st_->cfg.gateway.natt_port},
        {"encapsulation", std::string(to_string(st_->cfg.gateway.encapsulation))},
        {"routes", routes},
        {"sas", dp ? dp->sad().size() : 0},
        {"policies", dp ? dp->spd().size() : 0},
        {"ike_sas", st_->ike ? st_->ike->ike_sa_count() : 0},
        {"reloads", st_->reloads},
        {"packets", {{"tun_rx", tun_rx}, {"tun_tx", tun_tx}, {"net_rx", net_rx}, {"net_tx", net_tx}}}};
}

json Daemon::list_sas() const {
    json out = json::array();
    const auto dp = st_->handle.current();
    if (!dp) return out;
    const core::Instant now = st_->clock.now();
    auto sas = dp->sad().all();
    std::sort(sas.begin(), sas.end(), [](const ipsec::SaPtr& a, const ipsec::SaPtr& b) {
        return std::make_pair(a->config().direction, a->spi()) <
               std::make_pair(b->config().direction, b->spi());
    });
    for (const auto& sa : sas) {
        const ipsec::SaConfig& c = sa->config();
        json drops = json::object();
        for (std::size_t i = 0; i < ipsec::kDropReasons; ++i) {
            const auto d = static_cast<ipsec::Drop>(i);
            if (const auto n = sa->counters().drops.get(d); n > 0)
                drops[std::string(ipsec::to_string(d))] = n;
        }
        const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - sa->installed_at()).count();
        auto remaining = [&](core::Duration limit) -> json {
            if (limit.count() == 0) return nullptr;
            return std::chrono::duration_cast<std::chrono::seconds>(limit).count() - age;
        };
        json udp = nullptr;
        if (c.udp_encap) udp = json{{"src_port", c.udp_encap->src_port}, {"dst_port", c.udp_encap->dst_port}};
        out.push_back(json{
            {"name", dp->name_of(sa.get())},
            {"keying", st_->ike && c.reqid >= st_->first_reqid ? "ike" : "manual"},
            {"direction", c.direction == ipsec::Direction::Outbound ? "out" : "in"},
            {"protocol", std::string(ipsec::to_string(c.protocol))},
            {"mode", std::string(ipsec::to_string(c.mode))},
            {"spi", hex32(c.spi)},
            {"src", c.src.to_string()},
            {"dst", c.dst.to_string()},
            {"reqid", c.reqid},
            {"encryption", c.encryption != nullptr ? std::string(c.encryption->keyword) : std::string()},
            {"integrity", c.integrity != nullptr ? std::string(c.integrity->keyword) : std::string()},
            {"esn", c.esn},
            {"udp_encap", udp},
            {"replay_window",
             c.direction == ipsec::Direction::Inbound ? json(c.replay_window) : json(nullptr)},
            {"packets", sa->counters().packets.load(std::memory_order_relaxed)},
            {"bytes", sa->counters().bytes.load(std::memory_order_relaxed)},
            {"last_sequence", sa->last_sequence()},
            {"drops", drops},
            {"age_seconds", age},
            {"rekey_in_seconds", remaining(c.lifetimes.soft.time)},
            {"expires_in_seconds", remaining(c.lifetimes.hard.time)},
            {"soft_expired", sa->soft_expired()},
            {"expired", sa->expired()},
        });
        // IKE children: IKE knows the rekey and expiry times (IKEv1's
        // engine keeps them itself) and whether the SA was replaced.
        if (st_->ike && c.reqid >= st_->first_reqid) {
            json view = st_->ike->child_view(c.spi, c.direction, now);
            if (!view.is_null()) {
                json& e = out.back();
                e["rekey_in_seconds"] = view["rekey_in_seconds"];
                e["expires_in_seconds"] = view["expires_in_seconds"];
                e["ike_state"] = view["state"];
            }
        }
    }
    // IKE SAs after the CHILD SAs, in the same shape where it fits (text
    // listings print them alike): protocol IKE, both SPIs, the algorithms.
    if (st_->ike) {
        for (auto& ike : st_->ike->ike_sas(now)) {
            json e = ike;
            e["direction"] = "ike";
            e["protocol"] = "IKE";
            e["mode"] = ike["keying"];
            e["spi"] = ike["spi_i"].get<std::string>() + "_i/" + ike["spi_r"].get<std::string>() + "_r";
            e["src"] = ike["local"];
            e["dst"] = ike["remote"];
            e["encryption"] = ike["algorithms"];
            e["keying"] = "ike";
            out.push_back(std::move(e));
        }
    }
    return out;
}

json Daemon::list_policies() const {
    json out = json::array();
    const auto dp = st_->handle.current();
    if (!dp) return out;
    for (auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
        for (const ipsec::Policy* p : dp->spd().policies(dir)) {
            json protocols = json::array();
            for (auto pr : p->protect.protocols) protocols.push_back(std::string(ipsec::to_string(pr)));
            json j{{"id", p->id},
                   {"name", p->name},
                   {"direction", dir == ipsec::Direction::Outbound ? "out" : "in"},
                   {"priority", p->priority},
                   {"local", range_text(p->selector.local)},
                   {"remote", range_text(p->selector.remote)},
                   {"protocol",
                    p->selector.protocol == ipsec::kAnyProtocol ? json("any") : json(p->selector.protocol)},
                   {"local_ports", ports_text(p->selector.local_ports)},
                   {"remote_ports", ports_text(p->selector.remote_ports)},
                   {"action", std::string(ipsec::to_string(p->action))}};
            if (p->action == ipsec::Action::Protect) {
                j["protect"] = protocols;
                j["mode"] = std::string(ipsec::to_string(p->protect.mode));
                j["reqid"] = p->protect.reqid;
                if (p->protect.mode == ipsec::Mode::Tunnel) {
                    j["tunnel_src"] = p->protect.tunnel_src.to_string();
                    j["tunnel_dst"] = p->protect.tunnel_dst.to_string();
                }
            }
            out.push_back(std::move(j));
        }
    }
    return out;
}

json Daemon::counters() const {
    const auto dp = st_->handle.current();
    json drops = json::object();
    std::uint64_t total = 0;
    std::vector<ipsec::SaPtr> sas;
    if (dp) sas = dp->sad().all();
    for (std::size_t i = 0; i < ipsec::kDropReasons; ++i) {
        const auto d = static_cast<ipsec::Drop>(i);
        std::uint64_t n = 0;
        for (const auto& w : st_->workers) n += w->processor_drop(d) + w->counters().net_drops.get(d);
        for (const auto& sa : sas) n += sa->counters().drops.get(d);
        drops[std::string(ipsec::to_string(d))] = n;
        total += n;
    }
    json gw = json::object();
    for (std::size_t i = 0; i < kGatewayDrops; ++i) {
        const auto d = static_cast<GatewayDrop>(i);
        std::uint64_t n = 0;
        for (const auto& w : st_->workers) n += w->counters().get(d);
        if (d == GatewayDrop::IkeUnavailable) n += st_->ike_unavailable;
        gw[std::string(to_string(d))] = n;
        total += n;
    }
    json packets = json::object();
    auto sum = [&](auto member) {
        std::uint64_t n = 0;
        for (const auto& w : st_->workers) n += (w->counters().*member).load(std::memory_order_relaxed);
        return n;
    };
    packets["tun_rx_packets"] = sum(&WorkerCounters::tun_rx_packets);
    packets["tun_rx_bytes"] = sum(&WorkerCounters::tun_rx_bytes);
    packets["tun_tx_packets"] = sum(&WorkerCounters::tun_tx_packets);
    packets["tun_tx_bytes"] = sum(&WorkerCounters::tun_tx_bytes);
    packets["net_rx_packets"] = sum(&WorkerCounters::net_rx_packets);
    packets["net_rx_bytes"] = sum(&WorkerCounters::net_rx_bytes);
    packets["net_tx_packets"] = sum(&WorkerCounters::net_tx_packets);
    packets["net_tx_bytes"] = sum(&WorkerCounters::net_tx_bytes);
    packets["nat_keepalives"] = sum(&WorkerCounters::nat_keepalives);
    json per_worker = json::array();
    for (const auto& w : st_->workers) {
        per_worker.push_back(json{{"tun_rx", w->counters().tun_rx_packets.load(std::memory_order_relaxed)},
                                  {"net_rx", w->counters().net_rx_packets.load(std::memory_order_relaxed)}});
    }
    return json{{"packets", packets},
                {"ipsec_drops", drops},
                {"gateway_drops", gw},
                {"drops_total", total},
                {"control_errors", st_->control ? st_->control->errors_answered() : 0},
                {"ike", st_->ike ? st_->ike->counters() : json(nullptr)},
                {"workers", per_worker}};
}

}  // namespace strata::gateway
