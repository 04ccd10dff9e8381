#include "ipsec/processor.hpp"

#include <algorithm>

#include "core/reader.hpp"
#include "ipsec/ah.hpp"
#include "ipsec/esp.hpp"
#include "ipsec/udp_encap.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::ipsec {

namespace {

constexpr std::uint8_t kProtoUdp = 17;

// OuterInfo is what the inbound path needs from the received packet's header.
struct OuterInfo {
    packet::IpAddress dst;
    std::uint8_t protocol = 0;  // upper protocol (after IPv6 extension headers)
    core::ByteView upper;       // its bytes
};

core::Result<OuterInfo, Drop> read_outer(core::ByteView pkt) noexcept {
    if (pkt.empty()) return core::fail(Drop::Malformed);
    if ((pkt[0] >> 4) == 4) {
        auto p = packet::parse_ipv4(pkt);
        if (!p) return core::fail(Drop::Malformed);
        if (p->header.is_fragment()) return core::fail(Drop::UnsupportedPacket);  // reassembly is the host's
        return OuterInfo{p->header.dst, p->header.protocol, p->payload};
    }
    if ((pkt[0] >> 4) == 6) {
        auto p = packet::parse_ipv6(pkt);
        if (!p) return core::fail(Drop::Malformed);
        if (p->fragment) return core::fail(Drop::UnsupportedPacket);
        // The IPv6 parser walks past AH as an extension header; IPsec must stop
        // at it (RFC 4302 §3.1.1: AH sits among the extension headers).
        for (const auto& e : p->extension_headers()) {
            if (e.type == static_cast<std::uint8_t>(Protocol::Ah)) {
                const std::size_t end = packet::kIpv6HeaderLength + p->header.payload_length;
                return OuterInfo{p->header.dst, e.type, pkt.subspan(e.offset, end - e.offset)};
            }
        }
        return OuterInfo{p->header.dst, p->upper_protocol, p->upper};
    }
    return core::fail(Drop::Malformed);
}

// IpsecHeader is what identifies a received ESP/AH packet before any check.
struct IpsecHeader {
    std::uint32_t spi = 0;
    std::uint32_t wire_seq = 0;  // low 32 bits as sent (for reports only)
};

// read_ipsec_header reads the SPI and sequence number at the start of an ESP
// header (RFC 4303 §2), or after Next Header, Payload Len and Reserved in an
// AH header (RFC 4302 §2).
core::Result<IpsecHeader, Drop> read_ipsec_header(core::ByteView upper, Protocol p) noexcept {
    core::Reader r(upper);
    if (p == Protocol::Ah && !r.skip(4).ok()) return core::fail(Drop::Truncated);
    auto spi = r.u32();
    auto seq = r.u32();
    if (!spi || !seq) return core::fail(Drop::Truncated);
    return IpsecHeader{*spi, *seq};
}

}  // namespace

std::string_view to_string(Verdict v) noexcept {
    switch (v) {
        case Verdict::Protected: return "protected";
        case Verdict::Bypassed: return "bypassed";
        case Verdict::Delivered: return "delivered";
        case Verdict::Ike: return "ike";
        case Verdict::Dropped: return "dropped";
    }
    return "unknown";
}

std::string_view to_string(EventKind k) noexcept {
    switch (k) {
        case EventKind::Acquire: return "acquire";
        case EventKind::SoftExpired: return "soft-expired";
        case EventKind::HardExpired: return "hard-expired";
    }
    return "unknown";
}

Processor::Processor(const Spd& spd, const Sad& sad, const core::Clock& clock)
    : spd_(spd), sad_(sad), clock_(clock) {
    events_.reserve(16);
}

void Processor::outbound(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results) {
    const std::size_t n = std::min(pkts.size(), results.size());
    const core::Instant now = clock_.now();  // one reading per batch
    for (std::size_t i = 0; i < n; ++i) results[i] = outbound_one(*pkts[i], now);
}

void Processor::inbound(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results) {
    const std::size_t n = std::min(pkts.size(), results.size());
    const core::Instant now = clock_.now();  // one reading per batch
    for (std::size_t i = 0; i < n; ++i) results[i] = inbound_one(*pkts[i], now);
}

std::vector<Event> Processor::take_events() {
    std::vector<Event> out;
    out.swap(events_);
    events_.reserve(16);
    return out;
}

PacketResult Processor::drop(Drop d, SecurityAssociation* sa, std::uint32_t policy_id) {
    // ESP/AH count their own drops on the SA; the rest are counted here.
    if (sa == nullptr) drops_.add(d);
    PacketResult r;
    r.verdict = Verdict::Dropped;
    r.drop = d;
    r.policy_id = policy_id;
    if (sa != nullptr) r.spi = sa->spi();
    return r;
}

void Processor::note_lifetime(const SaPtr& sa, LifetimeEvent e) {
    if (e == LifetimeEvent::None) return;
    Event ev;
    ev.kind = e == LifetimeEvent::SoftExpired ? EventKind::SoftExpired : EventKind::HardExpired;
    ev.reqid = sa->config().reqid;
    ev.sa = sa;
    events_.push_back(std::move(ev));
}

void Processor::raise_acquire(const Policy& p, const PacketFields& f) {
    if (std::find(pending_acquires_.begin(), pending_acquires_.end(), p.id) != pending_acquires_.end())
        return;
    pending_acquires_.push_back(p.id);
    Event ev;
    ev.kind = EventKind::Acquire;
    ev.policy_id = p.id;
    ev.reqid = p.protect.reqid;
    ev.fields = f;
    events_.push_back(std::move(ev));
}

PacketResult Processor::outbound_one(PacketBuffer& pkt, core::Instant now) {
    auto fields = extract_fields(pkt.view());
    if (!fields) return drop(fields.error());
    // RFC 4301 §5.1 step 1: the first matching SPD-O entry decides.
    const Policy* pol = spd_.lookup(*fields, Direction::Outbound);
    if (pol == nullptr) return drop(Drop::NoPolicy);
    if (pol->action == Action::Discard) return drop(Drop::PolicyDiscard, nullptr, pol->id);
    if (pol->action == Action::Bypass) {
        PacketResult r;
        r.verdict = Verdict::Bypassed;
        r.policy_id = pol->id;
        return r;
    }
    // PROTECT: every SA the template names must exist, else ask IKE.
    const auto& protos = pol->protect.protocols;
    SaPtr esp;
    SaPtr ah;
    for (Protocol p : protos) {
        SaPtr sa = sad_.outbound(pol->protect.reqid, p);
        if (!sa) {
            raise_acquire(*pol, *fields);
            return drop(Drop::NoSa, nullptr, pol->id);
        }
        (p == Protocol::Esp ? esp : ah) = std::move(sa);
    }
    std::erase(pending_acquires_, pol->id);
    const std::size_t plain_len = pkt.size();
    PacketResult r;
    r.policy_id = pol->id;
    if (esp && ah) {
        auto b = bundle_outbound(*esp, *ah, pkt);
        if (!b) return drop(b.error(), ah.get(), pol->id);
        r.spi = ah->spi();
        r.sequence = b->ah.sequence;
    } else if (esp) {
        auto e = esp_outbound(*esp, pkt);
        if (!e) return drop(e.error(), esp.get(), pol->id);
        r.spi = esp->spi();
        r.sequence = e->sequence;
        if (esp->config().udp_encap) {
            auto u = udp_encapsulate(pkt, *esp->config().udp_encap);
            if (!u) {
                esp->counters().drops.add(u.error());
                return drop(u.error(), esp.get(), pol->id);
            }
        }
    } else {
        auto a = ah_outbound(*ah, pkt);
        if (!a) return drop(a.error(), ah.get(), pol->id);
        r.spi = ah->spi();
        r.sequence = a->sequence;
    }
    if (esp) note_lifetime(esp, esp->account(plain_len, now));
    if (ah) note_lifetime(ah, ah->account(plain_len, now));
    r.verdict = Verdict::Protected;
    return r;
}

PacketResult Processor::inbound_one(PacketBuffer& pkt, core::Instant now) {
    auto outer = read_outer(pkt.view());
    if (!outer) return drop(outer.error());

    // RFC 3948: UDP port 4500 carries ESP, IKE (non-ESP marker) and keepalives.
    if (outer->protocol == kProtoUdp) {
        core::Reader r(outer->upper);
        (void)r.skip(2);
        auto dport = r.u16();
        if (dport && *dport == kUdpEncapPort) {
            auto d = udp_decapsulate(pkt);
            if (!d) return drop(d.error());
            if (d->kind == UdpEncapKind::Ike) {
                PacketResult res;
                res.verdict = Verdict::Ike;
                return res;
            }
            if (d->kind == UdpEncapKind::NatKeepalive) return drop(Drop::DummyPacket);
            outer = read_outer(pkt.view());
            if (!outer) return drop(outer.error());
        }
    }

    // Remove AH and/or ESP, outermost first (AH then ESP for a bundle).
    std::vector<Protocol>::size_type applied_count = 0;
    std::array<Protocol, 2> applied{};
    SaPtr last_sa;
    PacketResult res;
    while ((outer->protocol == static_cast<std::uint8_t>(Protocol::Esp) ||
            outer->protocol == static_cast<std::uint8_t>(Protocol::Ah)) &&
           applied_count < applied.size()) {
        const auto proto = static_cast<Protocol>(outer->protocol);
        auto hdr = read_ipsec_header(outer->upper, proto);
        if (!hdr) return drop(hdr.error());
        SaPtr sa = sad_.inbound({hdr->spi, outer->dst, proto});
        if (!sa) return drop(Drop::UnknownSpi);  // RFC 4301 §5.2 step 3a
        const std::size_t before = pkt.size();
        std::uint64_t seq = 0;
        bool tunnel_done = false;
        // A refused packet is reported with the sequence number it carried, so a
        // replay shows which number was replayed.
        auto refused = [&](Drop d) {
            PacketResult r = drop(d, sa.get());
            r.sequence = hdr->wire_seq;
            return r;
        };
        if (proto == Protocol::Esp) {
            auto e = esp_inbound(*sa, pkt);
            if (!e) return refused(e.error());
            seq = e->sequence;
        } else {
            auto a = ah_inbound(*sa, pkt);
            if (!a) return refused(a.error());
            seq = a->sequence;
        }
        tunnel_done = sa->config().mode == Mode::Tunnel;
        note_lifetime(sa, sa->account(before, now));
        if (res.spi == 0) {
            res.spi = hdr->spi;
            res.sequence = seq;
        }
        applied[applied_count++] = proto;
        last_sa = sa;
        if (tunnel_done) break;  // the inner packet is the host's; no further IPsec header is ours
        outer = read_outer(pkt.view());
        if (!outer) return drop(outer.error(), nullptr);
    }

    auto fields = extract_fields(pkt.view());
    if (!fields) return drop(fields.error(), last_sa.get());
    const Policy* pol = spd_.lookup(*fields, Direction::Inbound);
    if (applied_count == 0) {
        // A clear packet: only a BYPASS entry lets it in (RFC 4301 §5.2 step 4).
        if (pol != nullptr && pol->action == Action::Bypass) {
            res.verdict = Verdict::Bypassed;
            res.policy_id = pol->id;
            return res;
        }
        if (pol == nullptr) return drop(Drop::NoPolicy);
        return drop(pol->action == Action::Discard ? Drop::PolicyDiscard : Drop::PolicyMismatch, nullptr,
                    pol->id);
    }
    // RFC 4301 §5.2 step 4: the inner packet must be what the SA may carry, and
    // the SPD must ask for exactly the protection that was applied (outermost
    // first on the wire: reverse of the template's order).
    auto mismatch = [&]() {
        last_sa->counters().drops.add(Drop::PolicyMismatch);
        return drop(Drop::PolicyMismatch, last_sa.get(), pol != nullptr ? pol->id : 0);
    };
    const auto& sels = last_sa->config().selectors;
    if (!sels.empty() && std::none_of(sels.begin(), sels.end(), [&](const Selector& s) {
            return matches(s, *fields, Direction::Inbound);
        })) {
        return mismatch();
    }
    if (pol == nullptr || pol->action != Action::Protect) return mismatch();
    const auto& want = pol->protect.protocols;
    if (want.size() != applied_count || !std::equal(want.rbegin(), want.rend(), applied.begin()) ||
        pol->protect.mode != last_sa->config().mode) {
        return mismatch();
    }
    res.verdict = Verdict::Delivered;
    res.policy_id = pol->id;
    return res;
}

}  // namespace strata::ipsec
