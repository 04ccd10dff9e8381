// ike_sa.cpp: an IKE SA's sending, retransmission, message-ID window,
// response cache, SK handling, NAT detection, key setup and dispatch.
#include "ike/v2/ike_sa.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "ike/v2/exchange_util.hpp"

namespace strata::ike::v2 {

Header IkeSa::header(ExchangeType ex, bool response, std::uint32_t mid) const {
    Header h;
    h.spi_i = spi_i_;
    h.spi_r = spi_r_;
    h.exchange = ex;
    h.flags = static_cast<std::uint8_t>((initiator_ ? kFlagInitiator : 0) | (response ? kFlagResponse : 0));
    h.message_id = mid;
    return h;
}

void IkeSa::send_request(Output& out, ExchangeType ex, core::Bytes bytes, core::Instant now) {
    Outstanding o;
    o.message_id = next_request_id_++;
    o.exchange = ex;
    o.bytes = bytes;
    o.sends = 1;
    o.wait = conn_.retransmit.initial;
    o.next_at = now + o.wait;
    outstanding_ = std::move(o);
    dpd_probe_ = false;
    last_sent_ = now;
    out.datagrams.push_back(dg(std::move(bytes)));
}

bool IkeSa::send_encrypted_request(Output& out, ExchangeType ex, const std::vector<RawPayload>& pl,
                                   core::Instant now) {
    auto b = sk_->seal(header(ex, false, next_request_id_), pl, eng_.rng_);
    if (!b) return false;
    send_request(out, ex, std::move(b).value(), now);
    return true;
}

void IkeSa::send_response(Output& out, ExchangeType ex, std::uint32_t mid,
                          const std::vector<RawPayload>& pl) {
    auto b = sk_->seal(header(ex, true, mid), pl, eng_.rng_);
    if (!b) return;
    last_response_ = *b;
    last_sent_ = now_;
    out.datagrams.push_back(dg(std::move(b).value()));
}

// nat_payloads returns NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for a
// message with these SPIs (RFC 7296 §2.23).
std::vector<RawPayload> IkeSa::nat_payloads(std::uint64_t spi_i, std::uint64_t spi_r) {
    std::vector<RawPayload> v;
    auto src = nat_detection_hash(spi_i, spi_r, local_);
    auto dst = nat_detection_hash(spi_i, spi_r, remote_);
    if (!src || !dst) return v;
    core::Bytes s = *src;
    if (conn_.force_encap) {
        // Claim a NAT in front of us so that ESP is UDP-encapsulated (as
        // strongSwan's encap=yes does): a hash no address produces.
        (void)eng_.rng_.fill(s);
    }
    v.push_back(notify(NotifyType::NatDetectionSourceIp, std::move(s)));
    v.push_back(notify(NotifyType::NatDetectionDestinationIp, *dst));
    return v;
}

// check_nat reads the peer's NAT_DETECTION notifies of a message that
// arrived on `in` with the SPIs of h.
void IkeSa::check_nat(const std::vector<Notify>& ns, const Header& h, const Datagram& in) {
    auto src_expect = nat_detection_hash(h.spi_i, h.spi_r, in.remote);
    auto dst_expect = nat_detection_hash(h.spi_i, h.spi_r, in.local);
    bool saw_src = false, src_match = false, saw_dst = false, dst_match = false;
    for (const auto& n : ns) {
        if (n.type == NotifyType::NatDetectionSourceIp) {
            saw_src = true;
            if (src_expect && core::equal_public(n.data, *src_expect)) src_match = true;
        } else if (n.type == NotifyType::NatDetectionDestinationIp) {
            saw_dst = true;
            if (dst_expect && core::equal_public(n.data, *dst_expect)) dst_match = true;
        }
    }
    nat_remote_ = saw_src && !src_match;
    nat_local_ = (saw_dst && !dst_match) || conn_.force_encap;
}

bool IkeSa::setup_keys() {
    auto k = derive_ike_keys(algs_, g_ir_, ni_, nr_, spi_i_, spi_r_);
    if (!k) return false;
    keys_ = std::move(k).value();
    auto sk = SkCrypto::create(algs_, *keys_, initiator_);
    if (!sk) return false;
    sk_.emplace(std::move(sk).value());
    return true;
}

void IkeSa::fail_down(Output& out, std::string reason) {
    if (announced_) out.events.emplace_back(IkeSaDown{conn_.name, id(), std::move(reason)});
    state_ = SaState::Dead;
}

void IkeSa::children_down(Output& out, const std::string& reason) {
    for (const auto& c : children_)
        out.events.emplace_back(ChildSaDown{conn_.name, id(), c.spi_in, c.spi_out, reason});
    children_.clear();
}

void IkeSa::emit_up(Output& out) {
    out.events.emplace_back(IkeSaUp{conn_.name, id(), initiator_, algs_, local_, remote_, nat_local_,
                                    nat_remote_, conn_.local_id, peer_id_});
    became_up(now_);
}

core::Duration IkeSa::jitter(core::Duration max) {
    if (max <= core::Duration::zero()) return core::Duration::zero();
    std::array<std::uint8_t, 4> r{};
    if (!eng_.rng_.fill(r)) return core::Duration::zero();
    const std::uint32_t v = (static_cast<std::uint32_t>(r[0]) << 24) |
                            (static_cast<std::uint32_t>(r[1]) << 16) |
                            (static_cast<std::uint32_t>(r[2]) << 8) | r[3];
    const double share = static_cast<double>(v) / 4294967295.0;
    return std::chrono::duration_cast<core::Duration>(max * share);
}

void IkeSa::became_up(core::Instant now) {
    up_at_ = now;
    last_received_ = now;
    last_sent_ = now;
    ike_rekey_at_.reset();
    ike_expire_at_.reset();
    // strongSwan's rekey_time / rand_time / over_time: rekey a random share of
    // rand_time before rekey_time; delete over_time after rekey_time.
    if (conn_.ike_rekey_time > core::Duration::zero()) {
        ike_rekey_at_ =
            now + conn_.ike_rekey_time - jitter(std::min(conn_.ike_rand_time, conn_.ike_rekey_time));
        if (conn_.ike_over_time > core::Duration::zero())
            ike_expire_at_ = now + conn_.ike_rekey_time + conn_.ike_over_time;
    }
}

void IkeSa::emit_child(Output& out, std::size_t spec_index, const NegotiatedChild& algs, std::uint32_t spi_in,
                       std::uint32_t spi_out, ipsec::Mode mode, std::vector<TrafficSelector> local_ts,
                       std::vector<TrafficSelector> remote_ts) {
    // The first CHILD SA: no KE, the IKE_SA_INIT nonces, the IKE roles (§2.17).
    (void)install_child(out, spec_index, algs, spi_in, spi_out, mode, std::move(local_ts),
                        std::move(remote_ts), {}, ni_, nr_, initiator_, std::nullopt, now_);
}

const ChildSpec& IkeSa::spec(std::size_t i) const {
    const auto& specs = eng_.specs_for(conn_);
    return i < specs.size() ? specs[i] : specs.front();
}

bool IkeSa::has_child_for(std::size_t i) const {
    const bool installed = std::any_of(children_.begin(), children_.end(), [&](const ChildEntry& c) {
        return c.spec == i && c.state != ChildState::Deleting;
    });
    const bool queued = std::any_of(tasks_.begin(), tasks_.end(), [&](const Task& t) {
        return t.kind == TaskKind::NewChild && t.spec == i;
    });
    return installed || queued || (cx_ && cx_->kind == TaskKind::NewChild && cx_->spec == i);
}

std::optional<std::size_t> IkeSa::pick_spec(const std::vector<Proposal>& offered,
                                            const std::vector<TrafficSelector>& tsi,
                                            const std::vector<TrafficSelector>& tsr, bool with_dh,
                                            NotifyType* why) const {
    const auto& specs = eng_.specs_for(conn_);
    bool proposal_matched = false;
    std::optional<std::size_t> overlapping;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const ChildSpec& s = specs[i];
        if (!select_child(offered, s.esp_proposals, with_dh)) continue;
        proposal_matched = true;
        // TSi is the initiator's (the peer's) side: our remote_ts (§2.9).
        if (all_within(tsi, s.remote_ts) && all_within(tsr, s.local_ts)) return i;
        if (!overlapping && !narrow(tsi, s.remote_ts).empty() && !narrow(tsr, s.local_ts).empty())
            overlapping = i;
    }
    if (!overlapping && why != nullptr)
        *why = proposal_matched ? NotifyType::TsUnacceptable : NotifyType::NoProposalChosen;
    return overlapping;
}

namespace {
core::Bytes copy_of(const core::SecretBytes& s) { return {s.view().begin(), s.view().end()}; }
core::Bytes concat(const core::SecretBytes& a, const core::SecretBytes& b) {
    core::Bytes v = copy_of(a);
    v.insert(v.end(), b.view().begin(), b.view().end());
    return v;
}
}  // namespace

bool IkeSa::install_child(Output& out, std::size_t spec_index, const NegotiatedChild& algs,
                          std::uint32_t spi_in, std::uint32_t spi_out, ipsec::Mode mode,
                          std::vector<TrafficSelector> local_ts, std::vector<TrafficSelector> remote_ts,
                          core::ByteView g_ir, core::ByteView ni, core::ByteView nr, bool exchange_initiator,
                          std::optional<std::uint32_t> replaces, core::Instant now) {
    auto keys = derive_child_keys(*algs_.prf, keys_->sk_d, algs, g_ir, ni, nr);
    if (!keys) return false;
    const bool ini = exchange_initiator;
    const ChildSpec& sp = spec(spec_index);
    ChildSaKeys c;
    c.reqid = sp.reqid;
    c.spi_in = spi_in;
    c.spi_out = spi_out;
    c.mode = mode;
    c.algorithms = algs;
    // RFC 7296 §2.17: the exchange initiator's keys protect initiator-to-responder traffic.
    c.encryption_key_in = ini ? std::move(keys->encr_r) : std::move(keys->encr_i);
    c.integrity_key_in = ini ? std::move(keys->integ_r) : std::move(keys->integ_i);
    c.encryption_key_out = ini ? std::move(keys->encr_i) : std::move(keys->encr_r);
    c.integrity_key_out = ini ? std::move(keys->integ_i) : std::move(keys->integ_r);
    c.local_ts = local_ts;
    c.remote_ts = remote_ts;
    c.local = local_.address;
    c.remote = remote_.address;
    if (nat()) c.udp_encap = ipsec::UdpEncapsulation{local_.port, remote_.port};  // RFC 3948
    ChildEntry e;
    e.spec = spec_index;
    e.spi_in = spi_in;
    e.spi_out = spi_out;
    e.algs = algs;
    e.mode = mode;
    e.local_ts = std::move(local_ts);
    e.remote_ts = std::move(remote_ts);
    e.keymat_in = concat(c.encryption_key_in, c.integrity_key_in);
    e.keymat_out = concat(c.encryption_key_out, c.integrity_key_out);
    e.initiator = ini;
    e.installed = now;
    if (sp.rekey_time > core::Duration::zero())
        e.rekey_at = now + sp.rekey_time - jitter(std::min(sp.rand_time, sp.rekey_time));
    if (sp.life_time > core::Duration::zero()) e.expire_at = now + sp.life_time;
    children_.push_back(std::move(e));
    const ChildEntry* old = replaces ? child_by_in(*replaces) : nullptr;
    if (old != nullptr) {
        out.events.emplace_back(ChildSaRekeyed{conn_.name, id(), old->spi_in, old->spi_out, std::move(c)});
    } else {
        out.events.emplace_back(ChildSaUp{conn_.name, id(), std::move(c)});
    }
    return true;
}

ChildEntry* IkeSa::child_by_in(std::uint32_t spi_in) {
    auto it = std::find_if(children_.begin(), children_.end(),
                           [&](const ChildEntry& c) { return c.spi_in == spi_in; });
    return it == children_.end() ? nullptr : &*it;
}

ChildEntry* IkeSa::child_by_out(std::uint32_t spi_out) {
    auto it = std::find_if(children_.begin(), children_.end(),
                           [&](const ChildEntry& c) { return c.spi_out == spi_out; });
    return it == children_.end() ? nullptr : &*it;
}

void IkeSa::queue(Task t, bool front, core::Instant now, Output& out) {
    if (front) {
        tasks_.push_front(t);
    } else {
        tasks_.push_back(t);
    }
    pump(now, out);
}

void IkeSa::pump(core::Instant now, Output& out) {
    while (state_ == SaState::Established && !outstanding_ && !tasks_.empty()) {
        auto it =
            std::find_if(tasks_.begin(), tasks_.end(), [&](const Task& t) { return t.not_before <= now; });
        if (it == tasks_.end()) return;
        const Task t = *it;
        tasks_.erase(it);
        switch (t.kind) {
            case TaskKind::NewChild:
            case TaskKind::RekeyChild:
            case TaskKind::RekeyIke: (void)start_create_child(t, now, out); break;
            case TaskKind::DeleteChild: send_delete_child(t.spi_in, now, out); break;
            case TaskKind::DeleteIke: send_delete(out, now); break;
            case TaskKind::Dpd: send_dpd(now, out); break;
        }
    }
}

void IkeSa::handle(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
    now_ = now;
    const Header& h = m.header;
    // RFC 7296 §2.2: the I flag says who sent it; it must be the other side.
    if (h.from_initiator() == initiator_) return;
    if (h.is_response()) {
        if (!outstanding_ || h.message_id != outstanding_->message_id ||
            h.exchange != outstanding_->exchange) {
            ++eng_.stats_.bad_message_id;
            return;
        }
        if (h.exchange == ExchangeType::IkeSaInit) {
            if (state_ == SaState::InitSent) handle_init_response(in, m, now, out);
            return;
        }
        auto pl = open(m);
        if (!pl) return;
        last_received_ = now;
        if (h.exchange == ExchangeType::IkeAuth && state_ == SaState::AuthSent) {
            handle_auth_response(*pl, out);
            pump(now, out);  // further children (§1.3.1), queued when the IKE SA came up
            return;
        }
        outstanding_.reset();
        if (state_ == SaState::Deleting) {
            children_down(out, "IKE SA deleted");
            fail_down(out, "deleted locally");
            return;
        }
        if (h.exchange == ExchangeType::CreateChildSa) {
            handle_create_child_response(*pl, now, out);
        } else if (h.exchange == ExchangeType::Informational) {
            handle_informational_response(*pl, out);
        }
        pump(now, out);
        return;
    }
    // A request from the peer: window size 1 (RFC 7296 §2.3).
    if (expected_request_id_ > 0 && h.message_id == expected_request_id_ - 1 && !last_response_.empty()) {
        if (!answers_retransmit(m)) return;  // RFC 7383 §2.6.1: once per fragmented request
        ++eng_.stats_.retransmits_answered;
        out.datagrams.push_back(
            Datagram{in.local, in.remote, last_response_});  // §2.1: resend, do not reprocess
        resend_response_fragments(in, h.message_id, out);
        return;
    }
    if (h.message_id != expected_request_id_ || !sk_) {
        ++eng_.stats_.bad_message_id;
        return;
    }
    auto pl = open(m);
    if (!pl) return;
    last_received_ = now;
    // RFC 7296 §2.5: an unknown payload with the critical bit refuses the message.
    for (const auto& p : *pl) {
        if (p.critical && !is_known(p.type)) {
            ++expected_request_id_;
            send_response(
                out, h.exchange, h.message_id,
                {notify(NotifyType::UnsupportedCriticalPayload, {static_cast<std::uint8_t>(p.type)})});
            return;
        }
    }
    ++expected_request_id_;
    switch (h.exchange) {
        case ExchangeType::IkeAuth:
            if (state_ == SaState::HalfOpen && !initiator_) handle_auth_request(in, h, *pl, out);
            break;
        case ExchangeType::Informational:
            if (state_ == SaState::Established || state_ == SaState::Deleting || state_ == SaState::Rekeyed)
                handle_informational_request(h, *pl, out);
            break;
        case ExchangeType::CreateChildSa:
            if (state_ == SaState::Established) {
                handle_create_child_request(h, *pl, now, out);
            } else if (state_ == SaState::Deleting || state_ == SaState::Rekeyed) {
                // RFC 7296 §2.25: an IKE SA on its way out takes no new SAs.
                send_response(out, h.exchange, h.message_id, {notify(NotifyType::TemporaryFailure)});
            }
            break;
        default: break;
    }
    pump(now, out);
}

std::optional<std::vector<RawPayload>> IkeSa::open(const ParsedMessage& m) {
    if (is_fragment(m)) return open_fragment(m);  // RFC 7383: SKF (fragment_exchange.cpp)
    if (!sk_ || !m.sk) {
        ++eng_.stats_.malformed;
        return std::nullopt;
    }
    auto pl = sk_->open(m.sk->body.empty() ? core::ByteView{} : raw_, *m.sk);
    if (!pl) {
        if (pl.error() == ParseError::IntegrityFailed) {
            ++eng_.stats_.integrity_failed;
        } else {
            ++eng_.stats_.malformed;
        }
        return std::nullopt;
    }
    return std::move(pl).value();
}

void IkeSa::timer(core::Instant now, Output& out) {
    now_ = now;
    if (state_ == SaState::HalfOpen && now >= created_ + eng_.config_.half_open_timeout) {
        state_ = SaState::Dead;
        return;
    }
    if (state_ == SaState::Rekeyed) {
        // The peer never deleted the replaced IKE SA: forget it quietly.
        if (rekeyed_until_ && now >= *rekeyed_until_) state_ = SaState::Dead;
        return;
    }
    if (outstanding_ && now >= outstanding_->next_at) {
        if (outstanding_->sends >= conn_.retransmit.tries) {
            // RFC 7296 §2.4: no answer after the retransmissions: the peer is gone.
            const bool dpd = dpd_probe_;
            children_down(out, dpd ? "dead peer" : "peer not responding");
            fail_down(out, dpd ? "dpd" : "retransmits exhausted");
            return;
        }
        ++outstanding_->sends;
        outstanding_->wait =
            std::chrono::duration_cast<core::Duration>(outstanding_->wait * conn_.retransmit.backoff);
        outstanding_->next_at = now + outstanding_->wait;
        out.datagrams.push_back(dg(outstanding_->bytes));
        for (const auto& f : outstanding_->more) out.datagrams.push_back(dg(f));
        last_sent_ = now;
    }
    if (state_ != SaState::Established) return;
    // Hard lifetimes first: an IKE SA not rekeyed in time is deleted (with its children).
    if (ike_expire_at_ && now >= *ike_expire_at_) {
        ike_expire_at_.reset();
        ike_rekey_at_.reset();
        queue(Task{TaskKind::DeleteIke, 0, now, std::nullopt, 0}, true, now, out);
        return;
    }
    if (ike_rekey_at_ && now >= *ike_rekey_at_) {
        ike_rekey_at_.reset();
        queue(Task{TaskKind::RekeyIke, 0, now, std::nullopt, 0}, false, now, out);
    }
    for (auto& c : children_) {
        if (c.expire_at && now >= *c.expire_at) {
            c.expire_at.reset();
            c.rekey_at.reset();
            if (c.state != ChildState::Deleting)
                queue(Task{TaskKind::DeleteChild, c.spi_in, now, std::nullopt, 0}, true, now, out);
        } else if (c.rekey_at && now >= *c.rekey_at) {
            c.rekey_at.reset();
            if (c.state == ChildState::Installed)
                queue(Task{TaskKind::RekeyChild, c.spi_in, now, std::nullopt, 0}, false, now, out);
        }
    }
    // Dead peer detection (RFC 7296 §1.4): an empty INFORMATIONAL after dpd_interval of silence.
    if (conn_.dpd_interval > core::Duration::zero() && !outstanding_ && tasks_.empty() &&
        now >= last_received_ + conn_.dpd_interval) {
        queue(Task{TaskKind::Dpd, 0, now, std::nullopt, 0}, false, now, out);
    }
    pump(now, out);
    // RFC 3948 §2.3: behind a NAT, keep its mapping open with 0xFF keepalives.
    if (nat_local_ && conn_.keepalive_interval > core::Duration::zero() &&
        now >= last_sent_ + conn_.keepalive_interval) {
        Datagram k = dg({0xFF});
        k.raw = true;
        out.datagrams.push_back(std::move(k));
        ++eng_.stats_.keepalives_sent;
        last_sent_ = now;
    }
}

std::optional<core::Instant> IkeSa::next_timer(const EngineConfig& cfg) const {
    std::optional<core::Instant> t;
    auto consider = [&](std::optional<core::Instant> x) {
        if (x && (!t || *x < *t)) t = x;
    };
    if (outstanding_) consider(outstanding_->next_at);
    if (state_ == SaState::HalfOpen) consider(created_ + cfg.half_open_timeout);
    if (state_ == SaState::Rekeyed) consider(rekeyed_until_);
    if (state_ != SaState::Established) return t;
    consider(ike_rekey_at_);
    consider(ike_expire_at_);
    for (const auto& c : children_) {
        if (c.state == ChildState::Installed) consider(c.rekey_at);
        if (c.state != ChildState::Deleting) consider(c.expire_at);
    }
    if (!outstanding_) {
        for (const auto& tk : tasks_) consider(tk.not_before);
        if (conn_.dpd_interval > core::Duration::zero() && tasks_.empty())
            consider(last_received_ + conn_.dpd_interval);
    }
    if (nat_local_ && conn_.keepalive_interval > core::Duration::zero())
        consider(last_sent_ + conn_.keepalive_interval);
    return t;
}

}  // namespace strata::ike::v2
