#include "ipsec/processor.hpp"

#include <algorithm>

#include "core/reader.hpp"
#include "ipsec/ah.hpp"
#include "ipsec/esp.hpp"
#include "ipsec/ip_view.hpp"
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
    // layout: IPv4, where the IPsec header is (what inbound_layout returns),
    // so ESP need not parse the header again. It points into the parse
    // (IpView) read_outer was given, not a copy; null for IPv6.
    const IpLayout* layout = nullptr;
};

// read_outer fills out from a received packet's header (in place: OuterInfo
// is large enough that returning it in a Result costs two copies per packet);
// v is scratch space for the parse.
core::Result<void, Drop> read_outer(core::ByteView pkt, OuterInfo& out, IpView& v) noexcept {
    if (pkt.empty()) return core::fail(Drop::Malformed);
    if ((pkt[0] >> 4) == 4) {
        // A received header: its checksum is verified (RFC 791 §3.1). The
        // common header (20 bytes, not a fragment) is read without filling
        // the selector fields, which the inbound path does not use.
        Ipv4Flow flow;
        if (view_ipv4_flow(pkt, flow, v.layout, Ipv4Checksum::Verify)) {
            const IpLayout& l = v.layout;
            out.dst = packet::IpAddress::v4(flow.dst);
            out.protocol = l.next_header;
            out.upper = pkt.subspan(l.insert_offset, l.length - l.insert_offset);
            out.layout = &l;
            return {};
        }
        if (!view_ip(pkt, Ipv4Checksum::Verify, v)) return core::fail(Drop::Malformed);
        if (v.layout.fragment) return core::fail(Drop::UnsupportedPacket);  // reassembly is the host's
        const IpLayout& l = v.layout;
        out.dst = v.fields.dst;
        out.protocol = l.next_header;
        out.upper = pkt.subspan(l.insert_offset, l.length - l.insert_offset);
        out.layout = &l;
        return {};
    }
    if ((pkt[0] >> 4) == 6) {
        auto p = packet::parse_ipv6(pkt);
        if (!p) return core::fail(Drop::Malformed);
        if (p->fragment) return core::fail(Drop::UnsupportedPacket);
        out.dst = p->header.dst;
        out.layout = nullptr;
        // The IPv6 parser walks past AH as an extension header; IPsec must stop
        // at it (RFC 4302 §3.1.1: AH sits among the extension headers).
        for (const auto& e : p->extension_headers()) {
            if (e.type == static_cast<std::uint8_t>(Protocol::Ah)) {
                const std::size_t end = packet::kIpv6HeaderLength + p->header.payload_length;
                out.protocol = e.type;
                out.upper = pkt.subspan(e.offset, end - e.offset);
                return {};
            }
        }
        out.protocol = p->upper_protocol;
        out.upper = p->upper;
        return {};
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

// Batch is the state of one outbound() or inbound() call.
struct Processor::Batch {
    // Usage is one SA's packet and byte counts held back until the batch ends.
    struct Usage {
        SaPtr sa;
        std::uint64_t packets = 0;
        std::uint64_t bytes = 0;
        // While packets and bytes stay below this, no lifetime limit can
        // fire (SecurityAssociation::budget, taken when the slot is filled;
        // the clock reading is the batch's, so it holds for the batch).
        SecurityAssociation::LifetimeBudget budget;
    };
    static constexpr std::size_t kUsageSlots = 4;
    static constexpr std::size_t kInboundLevels = 2;  // AH then ESP at most

    core::Instant now;
    std::size_t remaining = 0;  // packets left in the batch, this one included
    // The current packet's parse, kept here so it is not zeroed per packet
    // (view_ip assigns every field).
    IpView view;
    OuterInfo outer;
    // The last SPD decision and the fields it was made for: the next packet
    // of the same flow gets the same answer without a lookup (the SPD does
    // not change during a call; its owner serialises changes).
    bool have_decision = false;
    PacketFields decided_fields;
    const Policy* decided = nullptr;
    // Outbound: the IPv4 flow (view_ipv4_flow) of the last packet parsed in
    // full and the PROTECT policy the SPD chose for it (null: none). A
    // packet with the same flow has the same PacketFields, hence the same
    // decision, and skips view_ip, the field comparison and the action
    // checks; `view.fields` still holds that packet's fields.
    Ipv4Flow flow;
    const Policy* flow_policy = nullptr;
    // Inbound: what decapsulation read of the current inner packet, and the
    // last inner IPv4 flow delivered through ESP alone in tunnel mode, with
    // its SA and policy: a packet of the same flow through the same SA gets
    // the same verdict (same fields, SA and protection applied) without the
    // SPD lookup and the checks.
    InnerSelectors inner;
    Ipv4Flow in_flow;
    SaPtr in_flow_sa;
    const Policy* in_flow_policy = nullptr;
    // Outbound: the SAs found for the last PROTECT policy, and whether the
    // ESP SA takes esp_outbound_lane (asked once, when it is found).
    const Policy* policy = nullptr;
    SaPtr esp;
    SaPtr ah;
    bool esp_lane = false;
    // Outbound ESP: sequence numbers reserved for the rest of the batch.
    SaPtr seq_owner;
    SequenceBlock seq_block;
    // Inbound: the last SA found at each nesting level, and its key.
    std::array<SaKey, kInboundLevels> in_key{};
    std::array<SaPtr, kInboundLevels> in_sa{};
    std::array<Usage, kUsageSlots> usage{};
    std::size_t next_slot = 0;
    Usage* last_usage = nullptr;  // the slot charge() used last

    explicit Batch(core::Instant t) : now(t) {}

    // lookup returns spd.lookup(f, dir), from the last decision when f is
    // the same flow.
    const Policy* lookup(const Spd& spd, const PacketFields& f, Direction dir) {
        if (have_decision && decided_fields == f) return decided;
        decided = spd.lookup(f, dir);
        decided_fields = f;
        have_decision = true;
        return decided;
    }

    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch() { flush(); }

    // sequences returns the block the next packet of sa takes its number
    // from: reserved for the packets left in the batch when sa first needs
    // one, given back (what is unused) when another SA or the batch's end
    // comes. An empty block (SA exhausted) leaves ESP to refuse the packet.
    SequenceBlock* sequences(const SaPtr& sa) {
        if (seq_owner != sa) {
            release_sequences();
            seq_owner = sa;
        }
        if (seq_block.count == 0) {
            auto b = sa->reserve_sequences(remaining);
            seq_block = b ? *b : SequenceBlock{};
        }
        return &seq_block;
    }

    void release_sequences() noexcept {
        if (seq_owner) seq_owner->release_sequences(seq_block);
        seq_owner.reset();
        seq_block = SequenceBlock{};
    }

    // charge counts one packet of `bytes` on sa and returns the lifetime event
    // it raises, judged on the SA's counters plus what is held back here.
    LifetimeEvent charge(const SaPtr& sa, std::size_t bytes) {
        // The slot of the previous packet first: a batch is mostly one SA.
        Usage* u = last_usage;
        if (u == nullptr || u->sa != sa) {
            u = nullptr;
            for (auto& slot : usage) {
                if (slot.sa == sa) {
                    u = &slot;
                    break;
                }
            }
        }
        if (u == nullptr) {
            u = &usage[next_slot];
            next_slot = (next_slot + 1) % kUsageSlots;
            settle(*u);
            u->sa = sa;
            u->budget = sa->budget(now);
        }
        last_usage = u;
        u->packets += 1;
        u->bytes += bytes;
        if (u->packets < u->budget.packets && u->bytes < u->budget.bytes) return LifetimeEvent::None;
        return u->sa->account_pending(u->packets, u->bytes, now);
    }

    static void settle(Usage& u) noexcept {
        if (u.sa) u.sa->add_usage(u.packets, u.bytes);
        u = Usage{};
    }

    void flush() noexcept {
        release_sequences();
        for (auto& u : usage) settle(u);
    }
};

Processor::Processor(const Spd& spd, const Sad& sad, const core::Clock& clock)
    : spd_(spd), sad_(sad), clock_(clock) {
    events_.reserve(16);
}

void Processor::outbound(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results) {
    const std::size_t n = std::min(pkts.size(), results.size());
    Batch batch(clock_.now());  // one clock reading per batch
    std::size_t i = 0;
    while (i < n) {
        batch.remaining = n - i;
        results[i] = outbound_one(*pkts[i], batch);
        ++i;
        if (results[i - 1].verdict == Verdict::Protected)
            i += outbound_run(pkts.subspan(i, n - i), results.subspan(i, n - i), batch);
    }
}

void Processor::inbound(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results) {
    const std::size_t n = std::min(pkts.size(), results.size());
    Batch batch(clock_.now());
    std::size_t i = 0;
    while (i < n) {
        results[i] = inbound_one(*pkts[i], batch);
        ++i;
        if (results[i - 1].verdict == Verdict::Delivered)
            i += inbound_run(pkts.subspan(i, n - i), results.subspan(i, n - i), batch);
    }
}

std::size_t Processor::outbound_run(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results,
                                    Batch& batch) {
    // The packet before was protected by ESP alone, through the lane, for
    // the PROTECT policy of batch.flow: the same flow's packets after it get
    // the same policy and SA (the SPD and the SA choice do not change within
    // a call), the SA's next numbers from the same reserved block, and the
    // same usage slot.
    if (!batch.esp_lane || batch.flow_policy == nullptr || batch.flow_policy != batch.policy) return 0;
    SecurityAssociation& esp = *batch.esp;
    Batch::Usage* u = batch.last_usage;
    if (esp.config().udp_encap || batch.seq_owner != batch.esp || u == nullptr || u->sa != batch.esp)
        return 0;
    const Policy& pol = *batch.flow_policy;
    EspOutboundOptions opts;
    opts.sequences = &batch.seq_block;
    IpLayout& layout = batch.view.layout;
    std::size_t k = 0;
    for (; k < pkts.size(); ++k) {
        PacketBuffer& pkt = *pkts[k];
        Ipv4Flow flow;
        if (!view_ipv4_flow(pkt.view(), flow, layout) || !(flow == batch.flow)) break;
        const std::size_t plain_len = pkt.size();
        // Left to outbound_one: a packet that would reach a lifetime limit
        // (Batch::charge's budget), one that needs a new block of numbers,
        // and any after the SA expired (it looks the SA up again).
        if (u->packets + 1 >= u->budget.packets || u->bytes + plain_len >= u->budget.bytes ||
            batch.seq_block.count == 0 || esp.expired())
            break;
        EspOutboundInfo info;
        if (auto e = esp_outbound_lane(esp, pkt, layout, opts, info); !e) {
            results[k] = drop(e.error(), &esp, pol.id);
            continue;
        }
        u->packets += 1;  // what charge() adds; below the budget: no lifetime event
        u->bytes += plain_len;
        PacketResult& r = results[k];
        r.verdict = Verdict::Protected;
        r.drop = Drop::Malformed;  // PacketResult's default
        r.policy_id = pol.id;
        r.spi = esp.spi();
        r.sequence = info.sequence;
    }
    return k;
}

std::size_t Processor::inbound_run(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results,
                                   Batch& batch) {
    // The packet before was delivered from ESP alone in tunnel mode, through
    // the SA cached at level 0 (batch.in_flow_sa), with its inner flow
    // recorded: packets after it for the same SA (same SPI and destination
    // over plain IPv4) skip the outer dispatch and the SA lookup; the same
    // inner flow gets the same verdict.
    if (batch.in_flow_policy == nullptr || !batch.in_flow_sa || batch.in_sa[0] != batch.in_flow_sa) return 0;
    Batch::Usage* u = batch.last_usage;
    if (u == nullptr || u->sa != batch.in_flow_sa) return 0;
    const SaPtr& sa_ptr = batch.in_flow_sa;
    SecurityAssociation& sa = *sa_ptr;
    const SaKey& key = batch.in_key[0];
    if (key.protocol != Protocol::Esp) return 0;
    IpLayout& layout = batch.view.layout;
    InnerSelectors& inner = batch.inner;
    std::size_t k = 0;
    for (; k < pkts.size(); ++k) {
        PacketBuffer& pkt = *pkts[k];
        Ipv4Flow outer;
        // The outer header as read_outer reads it (checksum verified).
        if (!view_ipv4_flow(pkt.view(), outer, layout, Ipv4Checksum::Verify) ||
            outer.protocol != static_cast<std::uint8_t>(Protocol::Esp))
            break;
        core::Reader hr(pkt.view().subspan(layout.insert_offset));
        const std::uint32_t spi = hr.u32().value_or(0);
        auto wire_seq = hr.u32();
        if (!wire_seq || spi != key.spi || !(packet::IpAddress::v4(outer.dst) == key.dst)) break;
        const std::size_t before = pkt.size();
        if (u->packets + 1 >= u->budget.packets || u->bytes + before >= u->budget.bytes) break;
        bool inner_found = false;
        EspInboundInfo info;
        if (auto e = esp_inbound(sa, pkt, layout, inner, inner_found, info); !e) {
            // As inbound_one reports a refused packet: with the number it carried.
            PacketResult r = drop(e.error(), &sa);
            r.sequence = *wire_seq;
            results[k] = r;
            continue;
        }
        u->packets += 1;  // what charge() adds; below the budget: no lifetime event
        u->bytes += before;
        PacketResult& res = results[k];
        res = PacketResult{};
        res.spi = spi;
        res.sequence = info.sequence;
        if (inner_found && inner.have_flow && inner.flow == batch.in_flow) {
            // The run's inner flow through the run's SA: inbound_verdict's
            // first case, without the call.
            res.verdict = Verdict::Delivered;
            res.policy_id = batch.in_flow_policy->id;
            continue;
        }
        const std::array<Protocol, 2> applied{Protocol::Esp, Protocol::Esp};
        res = inbound_verdict(pkt, batch, res, applied, 1, sa_ptr, inner_found);
    }
    return k;
}

bool Processor::find_outbound_sas(const Policy& pol, Batch& batch) const {
    // The SAs found for the previous packet's policy serve this one too, while
    // they live: an SA that expired is looked up again (the SAD then offers
    // an older live SA of the reqid, or none).
    if (batch.policy == &pol && (!batch.esp || !batch.esp->expired()) && (!batch.ah || !batch.ah->expired()))
        return true;
    batch.policy = nullptr;
    batch.esp.reset();
    batch.ah.reset();
    batch.esp_lane = false;
    for (Protocol p : pol.protect.protocols) {
        SaPtr sa = sad_.outbound(pol.protect.reqid, p);
        if (!sa) return false;
        (p == Protocol::Esp ? batch.esp : batch.ah) = std::move(sa);
    }
    batch.policy = &pol;
    batch.esp_lane = batch.esp && !batch.ah && esp_outbound_lane_ok(*batch.esp);
    return true;
}

const SaPtr& Processor::find_inbound_sa(const SaKey& key, std::size_t level, Batch& batch) const {
    SaPtr& cached = batch.in_sa[level];
    if (!cached || !(batch.in_key[level] == key)) {
        cached = sad_.inbound(key);
        batch.in_key[level] = key;
    }
    return cached;
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

PacketResult Processor::outbound_one(PacketBuffer& pkt, Batch& batch) {
    // One parse serves the SPD (fields) and ESP (layout).
    IpView& view = batch.view;
    Ipv4Flow flow;
    const bool have_flow = view_ipv4_flow(pkt.view(), flow, view.layout);
    const Policy* pol = nullptr;
    if (have_flow && batch.flow_policy != nullptr && flow == batch.flow) {
        // The flow of an earlier packet of this batch: the same PROTECT
        // policy (the SPD does not change during a call).
        pol = batch.flow_policy;
    } else {
        batch.flow_policy = nullptr;
        if (auto st = view_ip(pkt.view(), Ipv4Checksum::Skip, view); !st) return drop(st.error());
        // RFC 4301 §5.1 step 1: the first matching SPD-O entry decides.
        pol = batch.lookup(spd_, view.fields, Direction::Outbound);
        if (pol == nullptr) return drop(Drop::NoPolicy);
        if (pol->action == Action::Discard) return drop(Drop::PolicyDiscard, nullptr, pol->id);
        if (pol->action == Action::Bypass) {
            PacketResult r;
            r.verdict = Verdict::Bypassed;
            r.policy_id = pol->id;
            return r;
        }
        if (have_flow) {
            batch.flow = flow;
            batch.flow_policy = pol;
        }
    }
    const PacketFields& fields = view.fields;
    // PROTECT: every SA the template names must exist, else ask IKE.
    if (!find_outbound_sas(*pol, batch)) {
        raise_acquire(*pol, fields);
        return drop(Drop::NoSa, nullptr, pol->id);
    }
    if (!pending_acquires_.empty()) std::erase(pending_acquires_, pol->id);
    const SaPtr& esp = batch.esp;
    const SaPtr& ah = batch.ah;
    const std::size_t plain_len = pkt.size();
    PacketResult r;
    r.policy_id = pol->id;
    if (esp && ah) {
        auto b = bundle_outbound(*esp, *ah, pkt);
        if (!b) return drop(b.error(), ah.get(), pol->id);
        r.spi = ah->spi();
        r.sequence = b->ah.sequence;
    } else if (esp) {
        EspOutboundOptions opts;
        opts.sequences = batch.sequences(esp);
        EspOutboundInfo info;
        auto e = batch.esp_lane ? esp_outbound_lane(*esp, pkt, view.layout, opts, info)
                                : esp_outbound(*esp, pkt, view.layout, opts, info);
        if (!e) return drop(e.error(), esp.get(), pol->id);
        r.spi = esp->spi();
        r.sequence = info.sequence;
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
    if (esp) note_lifetime(esp, batch.charge(esp, plain_len));
    if (ah) note_lifetime(ah, batch.charge(ah, plain_len));
    r.verdict = Verdict::Protected;
    return r;
}

PacketResult Processor::inbound_one(PacketBuffer& pkt, Batch& batch) {
    OuterInfo& outer = batch.outer;
    if (auto st = read_outer(pkt.view(), outer, batch.view); !st) return drop(st.error());

    // RFC 3948: UDP port 4500 carries ESP, IKE (non-ESP marker) and keepalives.
    if (outer.protocol == kProtoUdp) {
        core::Reader r(outer.upper);
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
            if (auto st = read_outer(pkt.view(), outer, batch.view); !st) return drop(st.error());
        }
    }

    // Remove AH and/or ESP, outermost first (AH then ESP for a bundle).
    std::size_t applied_count = 0;
    std::array<Protocol, 2> applied{};
    const SaPtr* last_sa_ptr = nullptr;   // the batch's SA cache holds it
    InnerSelectors& inner = batch.inner;  // ESP tunnel mode reads it while checking the inner packet
    bool inner_found = false;
    PacketResult res;
    while ((outer.protocol == static_cast<std::uint8_t>(Protocol::Esp) ||
            outer.protocol == static_cast<std::uint8_t>(Protocol::Ah)) &&
           applied_count < applied.size()) {
        const auto proto = static_cast<Protocol>(outer.protocol);
        auto hdr = read_ipsec_header(outer.upper, proto);
        if (!hdr) return drop(hdr.error());
        const SaPtr& sa = find_inbound_sa({hdr->spi, outer.dst, proto}, applied_count, batch);
        if (!sa) return drop(Drop::UnknownSpi);  // RFC 4301 §5.2 step 3a
        const std::size_t before = pkt.size();
        std::uint64_t seq = 0;
        // A refused packet is reported with the sequence number it carried, so a
        // replay shows which number was replayed.
        auto refused = [&](Drop d) {
            PacketResult r = drop(d, sa.get());
            r.sequence = hdr->wire_seq;
            return r;
        };
        if (proto == Protocol::Esp) {
            inner_found = false;
            if (outer.layout != nullptr) {
                EspInboundInfo info;
                if (auto e = esp_inbound(*sa, pkt, *outer.layout, inner, inner_found, info); !e)
                    return refused(e.error());
                seq = info.sequence;
            } else {
                auto e = esp_inbound(*sa, pkt);
                if (!e) return refused(e.error());
                seq = e->sequence;
            }
        } else {
            auto a = ah_inbound(*sa, pkt);
            if (!a) return refused(a.error());
            seq = a->sequence;
        }
        const bool tunnel_done = sa->config().mode == Mode::Tunnel;
        note_lifetime(sa, batch.charge(sa, before));
        if (res.spi == 0) {
            res.spi = hdr->spi;
            res.sequence = seq;
        }
        applied[applied_count++] = proto;
        last_sa_ptr = &sa;
        if (tunnel_done) break;  // the inner packet is the host's; no further IPsec header is ours
        if (auto st = read_outer(pkt.view(), outer, batch.view); !st) return drop(st.error(), nullptr);
    }
    if (applied_count == 0) return inbound_verdict(pkt, batch, res, applied, 0, nullptr, inner_found);
    return inbound_verdict(pkt, batch, res, applied, applied_count, *last_sa_ptr, inner_found);
}

PacketResult Processor::inbound_verdict(PacketBuffer& pkt, Batch& batch, PacketResult res,
                                        const std::array<Protocol, 2>& applied, std::size_t applied_count,
                                        const SaPtr& last, bool inner_found) {
    SecurityAssociation* last_sa = applied_count == 0 ? nullptr : last.get();
    InnerSelectors& inner = batch.inner;
    // ESP in tunnel mode read the inner packet while checking it.
    const bool esp_tunnel_only = inner_found && applied_count == 1;  // ESP alone, tunnel mode
    if (esp_tunnel_only && inner.have_flow && batch.in_flow_policy != nullptr &&
        inner.flow == batch.in_flow && batch.in_flow_sa.get() == last_sa) {
        res.verdict = Verdict::Delivered;
        res.policy_id = batch.in_flow_policy->id;
        return res;
    }
    if (!inner_found) {
        auto f = extract_fields(pkt.view());
        if (!f) return drop(f.error(), last_sa);
        inner.fields = *f;
    } else if (!inner.have_fields) {
        // Read as a flow only: the fields too, once per flow and batch.
        IpLayout unused;
        if (!view_ip(pkt.view(), Ipv4Checksum::Skip, inner.fields, unused)) {
            last_sa->counters().drops.add(Drop::Malformed);
            return drop(Drop::Malformed, last_sa);
        }
        inner.have_fields = true;
    }
    const PacketFields* fields = &inner.fields;
    const Policy* pol = batch.lookup(spd_, *fields, Direction::Inbound);
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
        return drop(Drop::PolicyMismatch, last_sa, pol != nullptr ? pol->id : 0);
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
    if (esp_tunnel_only && inner.have_flow) {
        batch.in_flow = inner.flow;
        batch.in_flow_sa = last;
        batch.in_flow_policy = pol;
    }
    return res;
}

}  // namespace strata::ipsec
