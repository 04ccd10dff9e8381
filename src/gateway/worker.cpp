#include "gateway/worker.hpp"

#include "gateway/outer_header.hpp"
#include "io/socket_options.hpp"
#include "io/tun.hpp"
#include "ipsec/udp_encap.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::gateway {

namespace {
// kMaxPacket is the largest IP packet or datagram read.
constexpr std::size_t kMaxPacket = 65535;
}  // namespace

void DatapathHandle::publish(std::shared_ptr<const Datapath> dp) {
    std::lock_guard<std::mutex> g(mu_);
    dp_ = std::move(dp);
    generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const Datapath> DatapathHandle::current() const {
    std::lock_guard<std::mutex> g(mu_);
    return dp_;
}

Worker::Worker(std::size_t index, WorkerSockets sockets, DatapathHandle& dp, const core::Clock& clock,
               Logger& log, IkeInbox* inbox)
    : index_(index), sockets_(std::move(sockets)), handle_(dp), clock_(clock), log_(log), inbox_(inbox) {
    bufs_.resize(kBatch);
    ptrs_.resize(kBatch, nullptr);
    results_.resize(kBatch);
    slots_.resize(kBatch);
    udp_out_.resize(sockets_.udp.size());
    for (auto& v : udp_out_) v.reserve(kBatch);
    esp_out_.resize(sockets_.esp_send.size());
    for (auto& v : esp_out_) v.reserve(kBatch);
    ah_out_.resize(sockets_.ah_send.size());
    for (auto& v : ah_out_) v.reserve(kBatch);
    udp_tos_out_.resize(sockets_.udp.size());
    for (auto& v : udp_tos_out_) v.reserve(kBatch);
    esp_tos_out_.resize(sockets_.esp_send.size());
    for (auto& v : esp_tos_out_) v.reserve(kBatch);
    udp_tos_.assign(sockets_.udp.size(), 0);
    esp_tos_.assign(sockets_.esp_send.size(), 0);
}

Worker::~Worker() {
    stop();
    join();
}

io::IoResult<bool> Worker::start() {
    auto loop = io::EventLoop::create();
    if (!loop) return core::fail(loop.error());
    loop_ = std::move(loop).value();
    if (auto r = loop_->add(sockets_.tun_fd, io::kReadable, [this](std::uint32_t) { on_tun(); }); !r)
        return core::fail(r.error());
    for (auto& s : sockets_.udp) {
        if (auto r = loop_->add(s.fd(), io::kReadable, [this, &s](std::uint32_t) { on_udp(s); }); !r)
            return core::fail(r.error());
    }
    for (auto& s : sockets_.esp_recv) {
        if (auto r = loop_->add(s.fd(), io::kReadable,
                                [this, &s](std::uint32_t) { on_raw(s, packet::ipproto::kEsp); });
            !r)
            return core::fail(r.error());
    }
    for (auto& s : sockets_.ah_recv) {
        if (auto r = loop_->add(s.fd(), io::kReadable,
                                [this, &s](std::uint32_t) { on_raw(s, packet::ipproto::kAh); });
            !r)
            return core::fail(r.error());
    }
    // With IKE, an acquire should start a negotiation soon: events are
    // handed over five times a second; manual keying only logs them.
    const std::chrono::milliseconds period =
        inbox_ != nullptr ? std::chrono::milliseconds(200) : std::chrono::milliseconds(1000);
    if (auto t = loop_->add_timer(period, period, [this] { drain_events(); }); !t)
        return core::fail(t.error());
    {
        std::lock_guard<std::mutex> g(handle_.outbound_mu);
        refresh();
    }
    thread_ = std::thread([this] { run(); });
    return true;
}

void Worker::stop() noexcept {
    if (loop_) loop_->stop();
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::run() {
    log_.debug("worker {} running", index_);
    loop_->run();
    log_.debug("worker {} stopped", index_);
}

int Worker::udp_fd(const packet::IpAddress& a) const noexcept {
    for (const auto& s : sockets_.udp) {
        if (s.local().address == a) return s.fd();
    }
    return -1;
}

std::uint64_t Worker::processor_drop(ipsec::Drop d) const {
    std::lock_guard<std::mutex> g(proc_mu_);
    std::uint64_t n = retired_[static_cast<std::size_t>(d)];
    if (proc_) n += proc_->drops().get(d);
    return n;
}

void Worker::refresh() {
    const std::uint64_t gen = handle_.generation();
    if (gen == generation_ && proc_) return;
    auto dp = handle_.current();
    if (!dp) return;
    auto proc = std::make_unique<ipsec::Processor>(dp->spd(), dp->sad(), clock_);
    std::lock_guard<std::mutex> g(proc_mu_);
    if (proc_) {
        for (std::size_t i = 0; i < ipsec::kDropReasons; ++i)
            retired_[i] += proc_->drops().get(static_cast<ipsec::Drop>(i));
    }
    proc_ = std::move(proc);
    dp_ = std::move(dp);
    generation_ = gen;
}

void Worker::on_tun() {
    std::size_t n = 0;
    while (n < kBatch) {
        ipsec::PacketBuffer& b = bufs_[n];
        b.clear();
        const core::MutableByteView space = b.push_back(kMaxPacket);
        auto r = io::TunDevice::read_packet(sockets_.tun_fd, space);
        if (!r) {
            counters_.add(GatewayDrop::TunReadError);
            b.clear();
            break;
        }
        if (*r == 0) {
            b.clear();
            break;
        }
        (void)b.trim_back(space.size() - *r);
        bump(counters_.tun_rx_packets);
        bump(counters_.tun_rx_bytes, *r);
        ptrs_[n] = &b;
        ++n;
    }
    if (n == 0) return;
    {
        std::lock_guard<std::mutex> g(handle_.outbound_mu);
        refresh();
        proc_->outbound(std::span(ptrs_.data(), n), std::span(results_.data(), n));
    }
    send_protected(n);
}

void Worker::send_protected(std::size_t n) {
    for (auto& v : udp_out_) v.clear();
    for (auto& v : esp_out_) v.clear();
    for (auto& v : ah_out_) v.clear();
    for (auto& v : udp_tos_out_) v.clear();
    for (auto& v : esp_tos_out_) v.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const ipsec::PacketResult& res = results_[i];
        if (res.verdict == ipsec::Verdict::Bypassed) {
            counters_.add(GatewayDrop::TunBypass);
            continue;
        }
        if (res.verdict != ipsec::Verdict::Protected) continue;  // counted by the Processor or the SA
        auto out = read_outgoing(ptrs_[i]->view());
        if (!out) {
            counters_.net_drops.add(out.error());
            continue;
        }
        bool queued = false;
        if (out->transport == Transport::Udp) {
            for (std::size_t s = 0; s < sockets_.udp.size(); ++s) {
                if (sockets_.udp[s].local().address == out->src) {
                    udp_out_[s].push_back(io::SendSlot{out->payload, io::Endpoint{out->dst, out->dst_port}});
                    udp_tos_out_[s].push_back(out->tos);
                    queued = true;
                    break;
                }
            }
        } else if (out->transport == Transport::Ah) {
            for (std::size_t s = 0; s < sockets_.ah_send.size(); ++s) {
                if (sockets_.ah_send[s].local().address == out->src) {
                    ah_out_[s].push_back(io::SendSlot{out->payload, io::Endpoint{out->dst, 0}});
                    queued = true;
                    break;
                }
            }
        } else {
            for (std::size_t s = 0; s < sockets_.esp_send.size(); ++s) {
                if (sockets_.esp_send[s].local().address == out->src) {
                    esp_out_[s].push_back(io::SendSlot{out->payload, io::Endpoint{out->dst, 0}});
                    esp_tos_out_[s].push_back(out->tos);
                    queued = true;
                    break;
                }
            }
        }
        if (!queued) counters_.add(GatewayDrop::SendFailed);  // no socket on that source address
    }
    auto flush = [this](io::DatagramSocket& sock, std::span<const io::SendSlot> slots) {
        if (slots.empty()) return true;
        const io::SendOutcome o = sock.send_batch(slots);
        bump(counters_.net_tx_packets, o.sent);
        if (o.failed == 0) {
            // Without refusals the datagrams sent are the first o.sent.
            std::uint64_t bytes = 0;
            for (std::size_t i = 0; i < o.sent; ++i) bytes += slots[i].data.size();
            bump(counters_.net_tx_bytes, bytes);
        }
        if (o.failed > 0) {
            counters_.add(GatewayDrop::SendFailed, o.failed);
            log_.debug("worker {}: {} ESP datagram(s) refused by the kernel: {}", index_, o.failed,
                       io::to_string(io::IoError{o.last_error, "send"}));
        }
        const std::size_t unsent = slots.size() - o.sent - o.failed;
        if (unsent > 0) counters_.add(GatewayDrop::SendBufferFull, unsent);
        return unsent == 0;
    };
    // RFC 6040 §4.1 and RFC 4301 §5.1.2.1: the outer header carries the
    // ECN and DSCP the Processor put in the header it built (as the SA's
    // copy_ecn and copy_dscp say). The kernel writes the outer header from
    // the socket's IP_TOS/IPV6_TCLASS, so each run of datagrams with one TOS
    // goes out after setting it (a system call only when it changes; most
    // flows never change it).
    auto flush_tos = [&](io::DatagramSocket& sock, const std::vector<io::SendSlot>& slots,
                         const std::vector<std::uint8_t>& tos, std::uint8_t& current) {
        std::size_t i = 0;
        while (i < slots.size()) {
            std::size_t j = i + 1;
            while (j < slots.size() && tos[j] == tos[i]) ++j;
            // A refusal (never seen for UDP and raw sockets) leaves the
            // datagrams with the socket's previous TOS; they still go.
            if (tos[i] != current && io::set_outer_tos(sock, tos[i])) current = tos[i];
            if (!flush(sock, std::span(slots).subspan(i, j - i))) {
                counters_.add(GatewayDrop::SendBufferFull, slots.size() - j);
                return;
            }
            i = j;
        }
    };
    for (std::size_t s = 0; s < sockets_.udp.size(); ++s)
        flush_tos(sockets_.udp[s], udp_out_[s], udp_tos_out_[s], udp_tos_[s]);
    for (std::size_t s = 0; s < sockets_.esp_send.size(); ++s)
        flush_tos(sockets_.esp_send[s], esp_out_[s], esp_tos_out_[s], esp_tos_[s]);
    for (std::size_t s = 0; s < sockets_.ah_send.size(); ++s) flush(sockets_.ah_send[s], ah_out_[s]);
}

void Worker::on_udp(io::DatagramSocket& s) {
    for (std::size_t i = 0; i < kBatch; ++i) {
        bufs_[i].clear();
        slots_[i].buffer = bufs_[i].push_back(kMaxPacket);
    }
    auto got = s.recv_batch(std::span(slots_.data(), kBatch));
    if (!got || *got == 0) return;
    std::size_t m = 0;
    for (std::size_t i = 0; i < *got; ++i) {
        ipsec::PacketBuffer& b = bufs_[i];
        const io::RecvSlot& slot = slots_[i];
        bump(counters_.net_rx_packets);
        bump(counters_.net_rx_bytes, slot.length);
        if (slot.truncated) {
            counters_.add(GatewayDrop::OversizeDatagram);
            continue;
        }
        (void)b.trim_back(b.size() - slot.length);
        // RFC 3948 §2: ESP, IKE behind the non-ESP marker, or a keepalive.
        auto kind = ipsec::classify_udp_encap(b.view());
        if (!kind) {
            counters_.net_drops.add(kind.error());
            continue;
        }
        if (kind->kind == ipsec::UdpEncapKind::NatKeepalive) {
            bump(counters_.nat_keepalives);
            continue;
        }
        if (kind->kind == ipsec::UdpEncapKind::Ike) {
            // RFC 3948 §2.2: the marker is stripped; the engine sees bare IKE.
            if (inbox_ == nullptr) {
                counters_.add(GatewayDrop::IkeUnavailable);
            } else if (!inbox_->push(InboxDatagram{s.local(), slot.from,
                                                   core::Bytes(kind->ike.begin(), kind->ike.end())})) {
                counters_.add(GatewayDrop::IkeQueueFull);
            }
            continue;
        }
        // The outer header as the kernel saw it (its TOS: IP_RECVTOS /
        // IPV6_RECVTCLASS), for ECN and DSCP decapsulation.
        if (auto r = restore_ip_header(b, slot.from.address, s.local().address, slot.ancillary,
                                       packet::ipproto::kEsp);
            !r) {
            counters_.net_drops.add(r.error());
            continue;
        }
        ptrs_[m++] = &b;
    }
    inbound_batch(m);
}

void Worker::on_raw(io::DatagramSocket& s, std::uint8_t protocol) {
    for (std::size_t i = 0; i < kBatch; ++i) {
        bufs_[i].clear();
        slots_[i].buffer = bufs_[i].push_back(kMaxPacket);
    }
    auto got = s.recv_batch(std::span(slots_.data(), kBatch));
    if (!got || *got == 0) return;
    std::size_t m = 0;
    for (std::size_t i = 0; i < *got; ++i) {
        ipsec::PacketBuffer& b = bufs_[i];
        const io::RecvSlot& slot = slots_[i];
        bump(counters_.net_rx_packets);
        bump(counters_.net_rx_bytes, slot.length);
        if (slot.truncated) {
            counters_.add(GatewayDrop::OversizeDatagram);
            continue;
        }
        (void)b.trim_back(b.size() - slot.length);
        // raw(7): IPv4 raw sockets deliver the IP header; IPv6 ones do not
        // (ipv6(7)): it is rebuilt from the sender, the destination and the
        // traffic class the kernel reported (the header RFC 4302 Appendix
        // A.2 has the AH ICV cover; its mutable fields count as zero).
        if (s.local().address.is_v6()) {
            if (auto r = restore_ip_header(b, slot.from.address, s.local().address, slot.ancillary, protocol);
                !r) {
                counters_.net_drops.add(r.error());
                continue;
            }
        }
        ptrs_[m++] = &b;
    }
    inbound_batch(m);
}

void Worker::inbound_batch(std::size_t n) {
    if (n == 0) return;
    {
        std::lock_guard<std::mutex> g(handle_.inbound_mu);
        refresh();
        proc_->inbound(std::span(ptrs_.data(), n), std::span(results_.data(), n));
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (results_[i].verdict != ipsec::Verdict::Delivered) continue;
        const core::ByteView pkt = ptrs_[i]->view();
        if (auto w = io::TunDevice::write_packet(sockets_.tun_fd, pkt); !w) {
            counters_.add(GatewayDrop::TunWriteError);
            continue;
        }
        bump(counters_.tun_tx_packets);
        bump(counters_.tun_tx_bytes, pkt.size());
    }
}

void Worker::drain_events() {
    std::vector<ipsec::Event> events;
    {
        // take_events is only called from this thread; the lock keeps the
        // outbound path (which raises acquires) from running at the same time.
        std::lock_guard<std::mutex> g(handle_.outbound_mu);
        std::lock_guard<std::mutex> g2(handle_.inbound_mu);
        if (proc_) events = proc_->take_events();
    }
    for (const auto& ev : events) {
        switch (ev.kind) {
            case ipsec::EventKind::Acquire: {
                const ipsec::Policy* p = dp_ ? dp_->spd().find(ev.policy_id) : nullptr;
                if (inbox_ != nullptr && ev.reqid >= inbox_->first_reqid()) {
                    if (!inbox_->push(InboxEvent{ev.kind, ev.reqid, 0, ipsec::Direction::Outbound}))
                        counters_.add(GatewayDrop::IkeQueueFull);
                    break;
                }
                log_.warn(
                    "no SA for policy '{}' (reqid {}): manual keying has no SA to offer; traffic to {} is "
                    "dropped",
                    p != nullptr ? p->name : std::string("?"), ev.reqid, ev.fields.dst.to_string());
                break;
            }
            case ipsec::EventKind::SoftExpired:
                if (inbox_ != nullptr && ev.sa && ev.reqid >= inbox_->first_reqid()) {
                    if (!inbox_->push(InboxEvent{ev.kind, ev.reqid, ev.sa->spi(), ev.sa->config().direction}))
                        counters_.add(GatewayDrop::IkeQueueFull);
                    break;
                }
                log_.warn(
                    "SA '{}' (SPI 0x{:08x}) reached its soft lifetime; manually keyed SAs are not rekeyed",
                    dp_ ? dp_->name_of(ev.sa.get()) : std::string(), ev.sa ? ev.sa->spi() : 0);
                break;
            case ipsec::EventKind::HardExpired:
                if (inbox_ != nullptr && ev.sa && ev.reqid >= inbox_->first_reqid()) {
                    if (!inbox_->push(InboxEvent{ev.kind, ev.reqid, ev.sa->spi(), ev.sa->config().direction}))
                        counters_.add(GatewayDrop::IkeQueueFull);
                    break;
                }
                log_.error(
                    "SA '{}' (SPI 0x{:08x}) reached its hard lifetime and drops all traffic (SaExpired)",
                    dp_ ? dp_->name_of(ev.sa.get()) : std::string(), ev.sa ? ev.sa->spi() : 0);
                break;
        }
    }
}

}  // namespace strata::gateway
