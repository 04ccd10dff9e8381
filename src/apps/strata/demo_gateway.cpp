// demo_gateway.cpp: a gateway's SPD, SAD and datapath in `strata demo`.
#include "apps/strata/demo_gateway.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "ike/traffic_selector.hpp"

namespace strata::apps::demo {

Gateway::Gateway(std::string name, packet::IpAddress public_address, packet::IpPrefix lan,
                 const core::Clock& clock)
    : name_(std::move(name)),
      address_(public_address),
      lan_(lan),
      clock_(clock),
      proc_(std::make_unique<ipsec::Processor>(spd_, sad_, clock)) {}

std::string Gateway::add_policy(ipsec::Policy p) {
    auto r = spd_.add(std::move(p));
    if (!r) return std::string(ipsec::to_string(r.error()));
    return {};
}

std::string Gateway::install_child(const ike::ChildSaKeys& child, std::uint32_t reqid) {
    auto [in, out] = child.to_sa_configs();
    in.reqid = reqid;
    out.reqid = reqid;
    for (auto* c : {&in, &out}) {
        auto sa = ipsec::SecurityAssociation::create(std::move(*c), clock_.now());
        if (!sa) return "SA refused: " + std::string(ipsec::to_string(sa.error()));
        auto r = sad_.install(ipsec::SaPtr(std::move(*sa)));
        if (!r) return "SAD refused the SA: " + std::string(ipsec::to_string(r.error()));
    }
    if (std::find(reqids_with_policies_.begin(), reqids_with_policies_.end(), reqid) !=
        reqids_with_policies_.end())
        return {};
    reqids_with_policies_.push_back(reqid);
    // RFC 4301 §4.4.1: one outbound PROTECT entry per selector pair, and the
    // matching inbound entry the decrypted packets are checked against (§5.2).
    for (const auto& sel : ike::to_ipsec_selectors(child.local_ts, child.remote_ts)) {
        for (const auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
            ipsec::Policy p;
            p.name = fmt::format("{}-{}-{}", child.mode == ipsec::Mode::Tunnel ? "tunnel" : "transport",
                                 dir == ipsec::Direction::Outbound ? "out" : "in", reqid);
            p.direction = dir;
            p.priority = 10;
            p.selector = sel;
            p.action = ipsec::Action::Protect;
            p.protect.protocols = {child.protocol};
            p.protect.mode = child.mode;
            p.protect.tunnel_src = dir == ipsec::Direction::Outbound ? child.local : child.remote;
            p.protect.tunnel_dst = dir == ipsec::Direction::Outbound ? child.remote : child.local;
            p.protect.reqid = reqid;
            if (auto why = add_policy(std::move(p)); !why.empty()) return "SPD refused the policy: " + why;
        }
    }
    return {};
}

std::string Gateway::install_manual(ipsec::SaConfig cfg) {
    auto sa = ipsec::SecurityAssociation::create(std::move(cfg), clock_.now());
    if (!sa) return "SA refused: " + std::string(ipsec::to_string(sa.error()));
    auto r = sad_.install(ipsec::SaPtr(std::move(*sa)));
    if (!r) return "SAD refused the SA: " + std::string(ipsec::to_string(r.error()));
    return {};
}

bool Gateway::remove_inbound(std::uint32_t spi, ipsec::Protocol protocol) {
    return sad_.remove(ipsec::Direction::Inbound, ipsec::SaKey{spi, address_, protocol}).ok();
}

void Gateway::remove_outbound_except(std::uint32_t reqid, std::uint32_t spi) {
    for (const auto& sa : sad_.all()) {
        const auto& c = sa->config();
        if (c.direction == ipsec::Direction::Outbound && c.reqid == reqid && c.spi != spi)
            (void)sad_.remove(ipsec::Direction::Outbound, ipsec::key_of(*sa));
    }
}

Passage Gateway::run(core::ByteView ip, bool out) {
    Passage p;
    if (!buf_.assign(ip).ok()) {
        p.result.verdict = ipsec::Verdict::Dropped;
        p.result.drop = ipsec::Drop::NoRoom;
        return p;
    }
    ipsec::PacketBuffer* const bufs[] = {&buf_};
    if (out) {
        proc_->outbound(bufs, {&p.result, 1});
    } else {
        proc_->inbound(bufs, {&p.result, 1});
    }
    (void)proc_->take_events();
    if (p.result.verdict != ipsec::Verdict::Dropped) p.packet.assign(buf_.view().begin(), buf_.view().end());
    return p;
}

Passage Gateway::outbound(core::ByteView ip) { return run(ip, true); }
Passage Gateway::inbound(core::ByteView ip) { return run(ip, false); }

namespace {

std::string selector_text(const ipsec::Selector& s) {
    std::string proto = s.protocol == ipsec::kAnyProtocol ? "any" : std::to_string(s.protocol);
    return fmt::format("{} -> {} proto {}", s.local.to_string(), s.remote.to_string(), proto);
}

}  // namespace

std::vector<std::string> spd_lines(const ipsec::Spd& spd) {
    std::vector<std::string> lines;
    for (const auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
        for (const ipsec::Policy* p : spd.policies(dir)) {
            std::string action(ipsec::to_string(p->action));
            if (p->action == ipsec::Action::Protect) {
                std::string protos;
                for (auto pr : p->protect.protocols)
                    protos += (protos.empty() ? "" : "+") + std::string(ipsec::to_string(pr));
                action += fmt::format(" {} {}", protos, ipsec::to_string(p->protect.mode));
                if (p->protect.mode == ipsec::Mode::Tunnel)
                    action += fmt::format(" {}->{}", p->protect.tunnel_src.to_string(),
                                          p->protect.tunnel_dst.to_string());
                action += fmt::format(" reqid {}", p->protect.reqid);
            }
            lines.push_back(fmt::format("{:<3} {:<8} {:<52} {}",
                                        dir == ipsec::Direction::Outbound ? "out" : "in",
                                        p->name.substr(0, 8), selector_text(p->selector), action));
        }
    }
    return lines;
}

std::vector<std::string> sad_lines(const ipsec::Sad& sad) {
    std::vector<std::string> lines;
    auto all = sad.all();
    std::sort(all.begin(), all.end(), [](const ipsec::SaPtr& a, const ipsec::SaPtr& b) {
        return std::tuple(a->config().direction, a->spi()) < std::tuple(b->config().direction, b->spi());
    });
    for (const auto& sa : all) {
        const auto& c = sa->config();
        std::string algs;
        if (c.encryption != nullptr) algs = std::string(c.encryption->keyword);
        if (c.integrity != nullptr) algs += (algs.empty() ? "" : "/") + std::string(c.integrity->keyword);
        lines.push_back(fmt::format(
            "{:<3} spi 0x{:08x} {:<3} {:<9} {:>13} -> {:<13} {:<16} reqid {}{} seq/pkts {}",
            c.direction == ipsec::Direction::Outbound ? "out" : "in", c.spi, ipsec::to_string(c.protocol),
            ipsec::to_string(c.mode), c.src.to_string(), c.dst.to_string(), algs, c.reqid,
            c.udp_encap ? " udp-encap 4500" : "",
            c.direction == ipsec::Direction::Outbound ? sa->last_sequence() : sa->counters().packets.load()));
    }
    return lines;
}

}  // namespace strata::apps::demo
