// ike_sa.cpp: an IKE SA's sending, retransmission, message-ID window,
// response cache, SK handling, NAT detection, key setup and dispatch.
#include "ike/v2/ike_sa.hpp"

#include <algorithm>
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
    out.events.emplace_back(IkeSaDown{conn_.name, id(), std::move(reason)});
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
}

void IkeSa::emit_child(Output& out, const NegotiatedChild& algs, std::uint32_t spi_in, std::uint32_t spi_out,
                       ipsec::Mode mode, std::vector<TrafficSelector> local_ts,
                       std::vector<TrafficSelector> remote_ts) {
    auto keys = derive_child_keys(*algs_.prf, keys_->sk_d, algs, {}, ni_, nr_);
    if (!keys) return;
    ChildSaKeys c;
    c.spi_in = spi_in;
    c.spi_out = spi_out;
    c.mode = mode;
    c.algorithms = algs;
    // RFC 7296 §2.17: the initiator's keys protect initiator-to-responder traffic.
    c.encryption_key_in = initiator_ ? std::move(keys->encr_r) : std::move(keys->encr_i);
    c.integrity_key_in = initiator_ ? std::move(keys->integ_r) : std::move(keys->integ_i);
    c.encryption_key_out = initiator_ ? std::move(keys->encr_i) : std::move(keys->encr_r);
    c.integrity_key_out = initiator_ ? std::move(keys->integ_i) : std::move(keys->integ_r);
    c.local_ts = std::move(local_ts);
    c.remote_ts = std::move(remote_ts);
    c.local = local_.address;
    c.remote = remote_.address;
    if (nat()) c.udp_encap = ipsec::UdpEncapsulation{local_.port, remote_.port};  // RFC 3948
    children_.push_back({spi_in, spi_out});
    out.events.emplace_back(ChildSaUp{conn_.name, id(), std::move(c)});
}

void IkeSa::handle(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
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
        if (h.exchange == ExchangeType::IkeAuth && state_ == SaState::AuthSent)
            return handle_auth_response(*pl, out);
        outstanding_.reset();
        if (state_ == SaState::Deleting) {
            children_down(out, "IKE SA deleted");
            fail_down(out, "deleted locally");
        }
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
            if (state_ == SaState::Established || state_ == SaState::Deleting)
                handle_informational_request(h, *pl, out);
            break;
        case ExchangeType::CreateChildSa:
            if (state_ == SaState::Established) handle_create_child_request(h, *pl, out);
            break;
        default: break;
    }
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
    if (state_ == SaState::HalfOpen && now >= created_ + eng_.config_.half_open_timeout) {
        state_ = SaState::Dead;
        return;
    }
    if (!outstanding_ || now < outstanding_->next_at) return;
    if (outstanding_->sends >= conn_.retransmit.tries) {
        // RFC 7296 §2.4: no answer after the retransmissions: the peer is gone.
        children_down(out, "peer not responding");
        fail_down(out, "retransmits exhausted");
        return;
    }
    ++outstanding_->sends;
    outstanding_->wait =
        std::chrono::duration_cast<core::Duration>(outstanding_->wait * conn_.retransmit.backoff);
    outstanding_->next_at = now + outstanding_->wait;
    out.datagrams.push_back(dg(outstanding_->bytes));
    for (const auto& f : outstanding_->more) out.datagrams.push_back(dg(f));
}

std::optional<core::Instant> IkeSa::next_timer(const EngineConfig& cfg) const {
    std::optional<core::Instant> t;
    if (outstanding_) t = outstanding_->next_at;
    if (state_ == SaState::HalfOpen) {
        const auto h = created_ + cfg.half_open_timeout;
        if (!t || h < *t) t = h;
    }
    return t;
}

}  // namespace strata::ike::v2
