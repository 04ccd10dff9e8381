#include "ike/v2/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "crypto/constant_time.hpp"
#include "crypto/dh.hpp"
#include "ike/nonce.hpp"
#include "ike/v2/negotiation.hpp"

namespace strata::ike::v2 {

namespace {

constexpr std::size_t kNonceLength = 32;

RawPayload payload(PayloadType t, core::Bytes body) { return RawPayload{t, false, std::move(body)}; }

RawPayload notify(NotifyType t, core::Bytes data = {}, ProtocolId proto = ProtocolId::None,
                  core::Bytes spi = {}) {
    return payload(PayloadType::Notify, encode_notify(Notify{proto, std::move(spi), t, std::move(data)}));
}

core::Bytes spi32_bytes(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::uint32_t spi32_of(core::ByteView b) {
    return (static_cast<std::uint32_t>(b[0]) << 24) | (static_cast<std::uint32_t>(b[1]) << 16) |
           (static_cast<std::uint32_t>(b[2]) << 8) | b[3];
}

const Notify* find_notify(const std::vector<Notify>& ns, NotifyType t) {
    for (const auto& n : ns)
        if (n.type == t) return &n;
    return nullptr;
}

const Notify* first_error(const std::vector<Notify>& ns) {
    for (const auto& n : ns)
        if (is_error(n.type)) return &n;
    return nullptr;
}

bool all_within(const std::vector<TrafficSelector>& got, const std::vector<TrafficSelector>& allowed) {
    for (const auto& g : got) {
        bool ok = false;
        for (const auto& a : allowed)
            if (auto i = intersect(g, a); i && *i == g) ok = true;
        if (!ok) return false;
    }
    return !got.empty();
}

}  // namespace

// State of one IKE SA.
enum class SaState : std::uint8_t { InitSent, HalfOpen, AuthSent, Established, Deleting, Dead };

// Outstanding is the request this side waits an answer for.
struct Outstanding {
    std::uint32_t message_id = 0;
    ExchangeType exchange = ExchangeType::Informational;
    core::Bytes bytes;
    unsigned sends = 0;
    core::Duration wait{};
    core::Instant next_at{};
};

// ChildEntry is one CHILD SA this IKE SA negotiated.
struct ChildEntry {
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
};

// IkeSa is one IKE SA and the exchanges running on it.
class IkeSa {
public:
    IkeSa(Engine& e, const ConnectionConfig& c, bool initiator) : eng_(e), conn_(c), initiator_(initiator) {}

    Engine& eng_;
    const ConnectionConfig& conn_;
    bool initiator_;
    SaState state_ = SaState::InitSent;
    std::uint64_t spi_i_ = 0, spi_r_ = 0;
    Endpoint local_, remote_;
    core::Bytes ni_, nr_, cookie_;
    std::optional<crypto::KeyExchange> ke_;
    core::Bytes init_request_, init_response_;
    NegotiatedIke algs_;
    std::optional<IkeKeys> keys_;
    std::optional<SkCrypto> sk_;
    bool nat_local_ = false, nat_remote_ = false;
    std::uint32_t first_child_spi_ = 0;
    std::vector<ChildEntry> children_;
    std::uint32_t next_request_id_ = 0;
    std::uint32_t expected_request_id_ = 0;
    core::Bytes last_response_;
    std::optional<Outstanding> outstanding_;
    core::Instant created_{};
    Identity peer_id_;

    [[nodiscard]] IkeSaId id() const { return {spi_i_, spi_r_}; }
    [[nodiscard]] std::uint64_t local_spi() const { return initiator_ ? spi_i_ : spi_r_; }

    Header header(ExchangeType ex, bool response, std::uint32_t mid) const {
        Header h;
        h.spi_i = spi_i_;
        h.spi_r = spi_r_;
        h.exchange = ex;
        h.flags =
            static_cast<std::uint8_t>((initiator_ ? kFlagInitiator : 0) | (response ? kFlagResponse : 0));
        h.message_id = mid;
        return h;
    }

    Datagram dg(core::Bytes b) const { return Datagram{local_, remote_, std::move(b)}; }

    void send_request(Output& out, ExchangeType ex, core::Bytes bytes, core::Instant now) {
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

    bool send_encrypted_request(Output& out, ExchangeType ex, const std::vector<RawPayload>& pl,
                                core::Instant now) {
        auto b = sk_->seal(header(ex, false, next_request_id_), pl, eng_.rng_);
        if (!b) return false;
        send_request(out, ex, std::move(b).value(), now);
        return true;
    }

    void send_response(Output& out, ExchangeType ex, std::uint32_t mid, const std::vector<RawPayload>& pl) {
        auto b = sk_->seal(header(ex, true, mid), pl, eng_.rng_);
        if (!b) return;
        last_response_ = *b;
        out.datagrams.push_back(dg(std::move(b).value()));
    }

    // nat_payloads returns NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for a
    // message with these SPIs (RFC 7296 §2.23).
    std::vector<RawPayload> nat_payloads(std::uint64_t spi_i, std::uint64_t spi_r) {
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
    void check_nat(const std::vector<Notify>& ns, const Header& h, const Datagram& in) {
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

    [[nodiscard]] bool nat() const { return nat_local_ || nat_remote_; }

    bool setup_keys() {
        auto k = derive_ike_keys(algs_, g_ir_, ni_, nr_, spi_i_, spi_r_);
        if (!k) return false;
        keys_ = std::move(k).value();
        auto sk = SkCrypto::create(algs_, *keys_, initiator_);
        if (!sk) return false;
        sk_.emplace(std::move(sk).value());
        return true;
    }
    core::SecretBytes g_ir_;

    // ---- initiator ----

    bool start(Output& out, core::Instant now, const crypto::DhInfo* group) {
        if (!ke_ || ke_->group() != group->group) {
            auto ke = crypto::KeyExchange::generate(group->group, eng_.rng_);
            if (!ke) return false;
            ke_.emplace(std::move(ke).value());
        }
        std::vector<RawPayload> pl;
        if (!cookie_.empty()) pl.push_back(notify(NotifyType::Cookie, cookie_));  // RFC 7296 §2.6: first
        pl.push_back(payload(PayloadType::SA, encode_sa(to_wire(conn_.ike_proposals, ProtocolId::Ike, {}))));
        pl.push_back(payload(PayloadType::KE, encode_ke({static_cast<std::uint16_t>(group->group),
                                                         ke_->public_value(crypto::Encoding::Ike)})));
        pl.push_back(payload(PayloadType::Nonce, ni_));
        for (auto& p : nat_payloads(spi_i_, 0)) pl.push_back(std::move(p));
        init_request_ = encode_plain(header(ExchangeType::IkeSaInit, false, 0), pl);
        next_request_id_ = 0;
        send_request(out, ExchangeType::IkeSaInit, init_request_, now);
        state_ = SaState::InitSent;
        return true;
    }

    void fail_down(Output& out, std::string reason) {
        out.events.emplace_back(IkeSaDown{conn_.name, id(), std::move(reason)});
        state_ = SaState::Dead;
    }

    void handle_init_response(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
        auto ns = find_notifies(m.payloads);
        if (!ns) return;
        if (const auto* c = find_notify(*ns, NotifyType::Cookie)) {
            cookie_ = c->data;
            outstanding_.reset();
            (void)start(out, now, crypto::find_dh(ke_->group()));
            return;
        }
        if (const auto* n = find_notify(*ns, NotifyType::InvalidKePayload)) {
            // RFC 7296 §1.3: retry with the group the responder asked for, if we offered it.
            if (n->data.size() == 2) {
                const auto g = static_cast<crypto::DhGroup>((n->data[0] << 8) | n->data[1]);
                const auto* info = crypto::find_dh(g);
                bool offered = false;
                for (const auto& p : conn_.ike_proposals)
                    if (info != nullptr && std::find(p.dh.begin(), p.dh.end(), info) != p.dh.end())
                        offered = true;
                if (offered && g != ke_->group()) {
                    outstanding_.reset();
                    (void)start(out, now, info);
                    return;
                }
            }
            return fail_down(out, "INVALID_KE_PAYLOAD without a usable group");
        }
        if (const auto* e = first_error(*ns)) return fail_down(out, "peer: " + to_string(e->type));
        const auto* sa = find(m.payloads, PayloadType::SA);
        const auto* ke = find(m.payloads, PayloadType::KE);
        const auto* nr = find(m.payloads, PayloadType::Nonce);
        if (sa == nullptr || ke == nullptr || nr == nullptr || m.header.spi_r == 0) return;
        auto props = parse_sa(sa->body);
        auto kep = parse_ke(ke->body);
        if (!props || !kep || nr->body.size() < kMinNonceLength || nr->body.size() > kMaxNonceLength) return;
        auto algs = accept_ike(*props, conn_.ike_proposals);
        if (!algs || static_cast<std::uint16_t>(algs->dh->group) != kep->group ||
            algs->dh->group != ke_->group()) {
            return fail_down(out, "responder chose a proposal we did not offer");
        }
        auto g = ke_->derive(kep->data, crypto::Encoding::Ike);
        if (!g) return fail_down(out, "bad KE from peer");
        outstanding_.reset();
        algs_ = *algs;
        g_ir_ = std::move(g).value();
        spi_r_ = m.header.spi_r;
        nr_ = nr->body;
        init_response_.assign(in.data.begin(), in.data.end());
        if (!setup_keys()) return fail_down(out, "key derivation failed");
        check_nat(*ns, m.header, in);
        if (nat()) {
            // RFC 7296 §2.23: after a NAT is detected, IKE moves to port 4500.
            local_.port = 4500;
            remote_.port = 4500;
        }
        send_auth(out, now);
    }

    void send_auth(Output& out, core::Instant now) {
        const core::Bytes idi = encode_identity_payload(conn_.local_id);
        auto auth = psk_auth(*algs_.prf, conn_.psk, init_request_, nr_, keys_->sk_pi, idi);
        auto spi = make_spi32(eng_.rng_);
        if (!auth || !spi) return fail_down(out, "AUTH computation failed");
        first_child_spi_ = *spi;
        std::vector<RawPayload> pl;
        pl.push_back(payload(PayloadType::IDi, idi));
        if (!conn_.remote_id.data.empty())
            pl.push_back(payload(PayloadType::IDr, encode_identity_payload(conn_.remote_id)));
        pl.push_back(
            payload(PayloadType::AUTH,
                    encode_auth({AuthMethod::Psk, core::Bytes(auth->view().begin(), auth->view().end())})));
        if (conn_.mode == ipsec::Mode::Transport) pl.push_back(notify(NotifyType::UseTransportMode));
        pl.push_back(payload(PayloadType::SA, encode_sa(to_wire(conn_.esp_proposals, ProtocolId::Esp,
                                                                spi32_bytes(*spi), false))));
        pl.push_back(payload(PayloadType::TSi, encode_ts(conn_.local_ts)));
        pl.push_back(payload(PayloadType::TSr, encode_ts(conn_.remote_ts)));
        next_request_id_ = 1;
        if (!send_encrypted_request(out, ExchangeType::IkeAuth, pl, now))
            return fail_down(out, "encryption failed");
        state_ = SaState::AuthSent;
    }

    bool verify_auth(const std::vector<RawPayload>& pl, PayloadType id_type, const core::Bytes& signed_msg,
                     const core::Bytes& nonce, const core::SecretBytes& sk_p, std::string& why) {
        const auto* idp = find(pl, id_type);
        const auto* ap = find(pl, PayloadType::AUTH);
        if (idp == nullptr || ap == nullptr) {
            why = "ID or AUTH payload missing";
            return false;
        }
        auto id = parse_identity_payload(idp->body);
        auto a = parse_auth(ap->body);
        if (!id || !a) {
            why = "malformed ID or AUTH payload";
            return false;
        }
        peer_id_ = *id;
        if (!conn_.remote_id.data.empty() && !(*id == conn_.remote_id)) {
            why = "peer identity " + to_string(*id) + " is not " + to_string(conn_.remote_id);
            return false;
        }
        if (a->method != AuthMethod::Psk) {
            why = "peer used auth method " + std::to_string(static_cast<unsigned>(a->method)) +
                  ", expected PSK";
            return false;
        }
        auto expect = psk_auth(*algs_.prf, conn_.psk, signed_msg, nonce, sk_p, idp->body);
        if (!expect || !crypto::constant_time_equal(*expect, a->data)) {
            why = "peer AUTH does not verify (wrong PSK?)";
            return false;
        }
        return true;
    }

    void emit_up(Output& out) {
        out.events.emplace_back(IkeSaUp{conn_.name, id(), initiator_, algs_, local_, remote_, nat_local_,
                                        nat_remote_, conn_.local_id, peer_id_});
    }

    void emit_child(Output& out, const NegotiatedChild& algs, std::uint32_t spi_in, std::uint32_t spi_out,
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

    void handle_auth_response(const std::vector<RawPayload>& pl, Output& out) {
        outstanding_.reset();
        auto ns = find_notifies(pl);
        if (!ns) return fail_down(out, "malformed notify in IKE_AUTH response");
        if (find_notify(*ns, NotifyType::AuthenticationFailed) != nullptr) {
            out.events.emplace_back(AuthFailed{conn_.name, id(), "AUTHENTICATION_FAILED from peer"});
            state_ = SaState::Dead;
            return;
        }
        std::string why;
        if (!verify_auth(pl, PayloadType::IDr, init_response_, ni_, keys_->sk_pr, why)) {
            out.events.emplace_back(AuthFailed{conn_.name, id(), why});
            state_ = SaState::Dead;
            return;
        }
        state_ = SaState::Established;
        emit_up(out);
        const auto* sa = find(pl, PayloadType::SA);
        const auto* tsi = find(pl, PayloadType::TSi);
        const auto* tsr = find(pl, PayloadType::TSr);
        if (sa == nullptr || tsi == nullptr || tsr == nullptr) {
            const auto* e = first_error(*ns);
            out.events.emplace_back(ChildSaFailed{
                conn_.name, id(), e != nullptr ? to_string(e->type) : "no CHILD SA in response"});
            return;
        }
        auto props = parse_sa(sa->body);
        auto ti = parse_ts(tsi->body);
        auto tr = parse_ts(tsr->body);
        if (!props || !ti || !tr) {
            out.events.emplace_back(ChildSaFailed{conn_.name, id(), "malformed SA/TS in response"});
            return;
        }
        auto sel = accept_child(*props, conn_.esp_proposals, false);
        // RFC 7296 §2.9: the responder may only narrow what we proposed.
        if (!sel || !all_within(*ti, conn_.local_ts) || !all_within(*tr, conn_.remote_ts)) {
            out.events.emplace_back(ChildSaFailed{conn_.name, id(), "response outside what was proposed"});
            return;
        }
        const bool transport =
            conn_.mode == ipsec::Mode::Transport && find_notify(*ns, NotifyType::UseTransportMode) != nullptr;
        emit_child(out, sel->algorithms, first_child_spi_, sel->peer_spi,
                   transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, *ti, *tr);
    }

    // ---- responder ----

    void handle_auth_request(const Datagram& in, const Header& h, const std::vector<RawPayload>& pl,
                             Output& out) {
        // RFC 7296 §2.23: behind a NAT, reply to where the request came from.
        local_ = in.local;
        remote_ = in.remote;
        std::string why;
        if (!verify_auth(pl, PayloadType::IDi, init_request_, nr_, keys_->sk_pi, why)) {
            send_response(out, ExchangeType::IkeAuth, h.message_id,
                          {notify(NotifyType::AuthenticationFailed)});
            out.events.emplace_back(AuthFailed{conn_.name, id(), why});
            state_ = SaState::Dead;
            return;
        }
        auto ns = find_notifies(pl);
        const core::Bytes idr = encode_identity_payload(conn_.local_id);
        auto auth = psk_auth(*algs_.prf, conn_.psk, init_response_, ni_, keys_->sk_pr, idr);
        if (!auth || !ns) return;
        std::vector<RawPayload> resp;
        resp.push_back(payload(PayloadType::IDr, idr));
        resp.push_back(
            payload(PayloadType::AUTH,
                    encode_auth({AuthMethod::Psk, core::Bytes(auth->view().begin(), auth->view().end())})));

        // The first CHILD SA (RFC 7296 §1.3 / §2.9).
        const auto* sa = find(pl, PayloadType::SA);
        const auto* tsi = find(pl, PayloadType::TSi);
        const auto* tsr = find(pl, PayloadType::TSr);
        std::optional<ChildSelection> sel;
        std::vector<TrafficSelector> n_tsi, n_tsr;
        std::optional<NotifyType> child_error;
        bool transport = false;
        if (sa != nullptr && tsi != nullptr && tsr != nullptr) {
            auto props = parse_sa(sa->body);
            auto ti = parse_ts(tsi->body);
            auto tr = parse_ts(tsr->body);
            if (props && ti && tr) {
                sel = select_child(*props, conn_.esp_proposals, false);
                n_tsi = narrow(*ti, conn_.remote_ts);  // TSi is the initiator's (the peer's) side
                n_tsr = narrow(*tr, conn_.local_ts);
                transport = find_notify(*ns, NotifyType::UseTransportMode) != nullptr &&
                            conn_.mode == ipsec::Mode::Transport;
                if (!sel) {
                    child_error = NotifyType::NoProposalChosen;
                } else if (n_tsi.empty() || n_tsr.empty()) {
                    child_error = NotifyType::TsUnacceptable;
                }
            } else {
                child_error = NotifyType::InvalidSyntax;
            }
        }
        std::uint32_t spi_in = 0;
        if (sel && !child_error) {
            auto spi = make_spi32(eng_.rng_);
            if (!spi) return;
            spi_in = *spi;
            Proposal reply = sel->reply;
            reply.spi = spi32_bytes(spi_in);
            if (transport) resp.push_back(notify(NotifyType::UseTransportMode));
            resp.push_back(payload(PayloadType::SA, encode_sa({reply})));
            resp.push_back(payload(PayloadType::TSi, encode_ts(n_tsi)));
            resp.push_back(payload(PayloadType::TSr, encode_ts(n_tsr)));
        } else if (child_error) {
            resp.push_back(notify(*child_error));
        }
        send_response(out, ExchangeType::IkeAuth, h.message_id, resp);
        state_ = SaState::Established;
        emit_up(out);
        if (sel && !child_error) {
            emit_child(out, sel->algorithms, spi_in, sel->peer_spi,
                       transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, n_tsr, n_tsi);
        } else if (child_error) {
            out.events.emplace_back(ChildSaFailed{conn_.name, id(), "sent " + to_string(*child_error)});
        }
    }

    void children_down(Output& out, const std::string& reason) {
        for (const auto& c : children_)
            out.events.emplace_back(ChildSaDown{conn_.name, id(), c.spi_in, c.spi_out, reason});
        children_.clear();
    }

    void handle_informational_request(const Header& h, const std::vector<RawPayload>& pl, Output& out) {
        std::vector<RawPayload> resp;
        bool ike_deleted = false;
        std::vector<core::Bytes> our_spis;
        for (const auto& p : pl) {
            if (p.type != PayloadType::Delete) continue;
            auto d = parse_delete(p.body);
            if (!d) continue;
            if (d->protocol == ProtocolId::Ike) {
                ike_deleted = true;
            } else if (d->protocol == ProtocolId::Esp || d->protocol == ProtocolId::Ah) {
                // RFC 7296 §1.4.1: the peer names its inbound SPIs (our
                // outbound); we answer with our inbound SPIs of the pairs.
                for (const auto& s : d->spis) {
                    const std::uint32_t out_spi = spi32_of(s);
                    auto it = std::find_if(children_.begin(), children_.end(),
                                           [&](const ChildEntry& c) { return c.spi_out == out_spi; });
                    if (it == children_.end()) continue;
                    our_spis.push_back(spi32_bytes(it->spi_in));
                    out.events.emplace_back(
                        ChildSaDown{conn_.name, id(), it->spi_in, it->spi_out, "deleted by peer"});
                    children_.erase(it);
                }
            }
        }
        if (!ike_deleted && !our_spis.empty()) {
            resp.push_back(payload(PayloadType::Delete, encode_delete({ProtocolId::Esp, our_spis})));
        }
        send_response(out, ExchangeType::Informational, h.message_id, resp);
        if (ike_deleted) {
            children_down(out, "IKE SA deleted by peer");
            fail_down(out, "deleted by peer");
        }
    }

    void send_delete(Output& out, core::Instant now) {
        std::vector<RawPayload> pl{payload(PayloadType::Delete, encode_delete({ProtocolId::Ike, {}}))};
        (void)send_encrypted_request(out, ExchangeType::Informational, pl, now);
        state_ = SaState::Deleting;
    }

    // ---- dispatch ----

    void handle(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
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
            ++eng_.stats_.retransmits_answered;
            out.datagrams.push_back(
                Datagram{in.local, in.remote, last_response_});  // §2.1: resend, do not reprocess
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
                send_response(out, h.exchange, h.message_id, {notify(NotifyType::NoAdditionalSas)});
                break;
            default: break;
        }
    }

    std::optional<std::vector<RawPayload>> open(const ParsedMessage& m) {
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
    core::ByteView raw_;  // the datagram being handled (for SK's AAD/ICV)

    void timer(core::Instant now, Output& out) {
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
    }

    [[nodiscard]] std::optional<core::Instant> next_timer(const EngineConfig& cfg) const {
        std::optional<core::Instant> t;
        if (outstanding_) t = outstanding_->next_at;
        if (state_ == SaState::HalfOpen) {
            const auto h = created_ + cfg.half_open_timeout;
            if (!t || h < *t) t = h;
        }
        return t;
    }
};

Engine::Engine(EngineConfig config, crypto::RandomSource& rng) : config_(std::move(config)), rng_(rng) {}
Engine::~Engine() = default;

const ConnectionConfig* Engine::find_connection(std::string_view name) const {
    for (const auto& c : config_.connections)
        if (c.name == name) return &c;
    return nullptr;
}

const ConnectionConfig* Engine::connection_for(const Endpoint& local, const Endpoint& remote) const {
    for (const auto& c : config_.connections)
        if (c.remote_address == remote.address && c.local_address == local.address) return &c;
    for (const auto& c : config_.connections)
        if (c.remote_address == remote.address) return &c;
    return nullptr;
}

std::size_t Engine::half_open() const noexcept {
    return static_cast<std::size_t>(std::count_if(
        sas_.begin(), sas_.end(), [](const auto& kv) { return kv.second->state_ == SaState::HalfOpen; }));
}

Output Engine::initiate(std::string_view connection, core::Instant now) {
    Output out;
    const auto* c = find_connection(connection);
    if (c == nullptr || c->ike_proposals.empty() || c->ike_proposals.front().dh.empty()) return out;
    auto sa = std::make_unique<IkeSa>(*this, *c, true);
    auto spi = make_spi64(rng_);
    auto ni = make_nonce(rng_, kNonceLength);
    if (!spi || !ni || sas_.count(*spi) != 0) return out;
    sa->spi_i_ = *spi;
    sa->ni_ = std::move(ni).value();
    sa->local_ = {c->local_address, c->local_port};
    sa->remote_ = {c->remote_address, c->remote_port};
    sa->created_ = now;
    if (!sa->start(out, now, c->ike_proposals.front().dh.front())) return out;
    sas_.emplace(*spi, std::move(sa));
    return out;
}

void Engine::respond_init(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
    const Header& h = m.header;
    // A retransmitted IKE_SA_INIT gets the same answer again (RFC 7296 §2.1).
    for (const auto& [spi, sa] : sas_) {
        if (!sa->initiator_ && sa->spi_i_ == h.spi_i && sa->remote_ == in.remote) {
            if (sa->state_ == SaState::HalfOpen && !sa->last_response_.empty()) {
                ++stats_.retransmits_answered;
                out.datagrams.push_back(Datagram{in.local, in.remote, sa->last_response_});
            }
            return;
        }
    }
    const auto* c = connection_for(in.local, in.remote);
    if (c == nullptr) return;
    if (half_open() >= config_.max_half_open) {
        ++stats_.half_open_dropped;
        return;
    }
    auto reply_plain = [&](const std::vector<RawPayload>& pl) {
        Header r;
        r.spi_i = h.spi_i;
        r.exchange = ExchangeType::IkeSaInit;
        r.flags = kFlagResponse;
        out.datagrams.push_back(Datagram{in.local, in.remote, encode_plain(r, pl)});
    };
    const auto* sap = find(m.payloads, PayloadType::SA);
    const auto* kep = find(m.payloads, PayloadType::KE);
    const auto* nip = find(m.payloads, PayloadType::Nonce);
    auto ns = find_notifies(m.payloads);
    if (sap == nullptr || kep == nullptr || nip == nullptr || !ns) {
        ++stats_.malformed;
        return reply_plain({notify(NotifyType::InvalidSyntax)});  // RFC 7296 §2.21.1
    }
    auto props = parse_sa(sap->body);
    auto ke = parse_ke(kep->body);
    if (!props || !ke || nip->body.size() < kMinNonceLength || nip->body.size() > kMaxNonceLength) {
        ++stats_.malformed;
        return reply_plain({notify(NotifyType::InvalidSyntax)});
    }
    auto sel = select_ike(*props, c->ike_proposals);
    if (!sel) return reply_plain({notify(NotifyType::NoProposalChosen)});
    const auto group = static_cast<std::uint16_t>(sel->algorithms.dh->group);
    if (ke->group != group) {
        // RFC 7296 §1.2: name the group we want; keep no state.
        return reply_plain({notify(NotifyType::InvalidKePayload, {static_cast<std::uint8_t>(group >> 8),
                                                                  static_cast<std::uint8_t>(group)})});
    }
    auto sa = std::make_unique<IkeSa>(*this, *c, false);
    auto spi = make_spi64(rng_);
    auto nr = make_nonce(rng_, kNonceLength);
    auto kx = crypto::KeyExchange::generate(sel->algorithms.dh->group, rng_);
    if (!spi || !nr || !kx || sas_.count(*spi) != 0) return;
    auto g = kx->derive(ke->data, crypto::Encoding::Ike);
    if (!g) return reply_plain({notify(NotifyType::InvalidSyntax)});
    sa->spi_i_ = h.spi_i;
    sa->spi_r_ = *spi;
    sa->ni_ = nip->body;
    sa->nr_ = std::move(nr).value();
    sa->algs_ = sel->algorithms;
    sa->g_ir_ = std::move(g).value();
    sa->local_ = in.local;
    sa->remote_ = in.remote;
    sa->created_ = now;
    sa->init_request_.assign(in.data.begin(), in.data.end());
    if (!sa->setup_keys()) return;
    sa->check_nat(*ns, h, in);
    std::vector<RawPayload> pl;
    pl.push_back(payload(PayloadType::SA, encode_sa({sel->reply})));
    pl.push_back(payload(PayloadType::KE, encode_ke({group, kx->public_value(crypto::Encoding::Ike)})));
    pl.push_back(payload(PayloadType::Nonce, sa->nr_));
    for (auto& p : sa->nat_payloads(h.spi_i, *spi)) pl.push_back(std::move(p));
    sa->init_response_ = encode_plain(sa->header(ExchangeType::IkeSaInit, true, 0), pl);
    sa->last_response_ = sa->init_response_;
    sa->expected_request_id_ = 1;
    sa->next_request_id_ = 0;
    sa->state_ = SaState::HalfOpen;
    out.datagrams.push_back(Datagram{in.local, in.remote, sa->init_response_});
    sas_.emplace(*spi, std::move(sa));
}

Output Engine::receive(const Datagram& in, core::Instant now) {
    Output out;
    auto m = parse_message(in.data);
    if (!m) {
        ++stats_.malformed;
        return out;
    }
    const Header& h = m->header;
    if (h.exchange == ExchangeType::IkeSaInit && !h.is_response() && h.spi_r == 0 && h.message_id == 0) {
        respond_init(in, *m, now, out);
        return out;
    }
    // The SPI this host chose: the responder's if the sender is the initiator.
    const std::uint64_t ours = h.from_initiator() ? h.spi_r : h.spi_i;
    auto it = sas_.find(ours);
    if (it == sas_.end() ||
        (h.from_initiator() ? it->second->spi_i_ != h.spi_i
                            : (it->second->spi_r_ != 0 && it->second->spi_r_ != h.spi_r))) {
        ++stats_.unknown_spi;
        return out;
    }
    it->second->raw_ = in.data;
    it->second->handle(in, *m, now, out);
    it->second->raw_ = {};
    if (it->second->state_ == SaState::Dead) sas_.erase(it);
    return out;
}

Output Engine::on_timer(core::Instant now) {
    Output out;
    for (auto it = sas_.begin(); it != sas_.end();) {
        it->second->timer(now, out);
        if (it->second->state_ == SaState::Dead) {
            it = sas_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

Output Engine::shutdown(core::Instant now) {
    Output out;
    for (auto& [spi, sa] : sas_) {
        if (sa->state_ == SaState::Established) {
            sa->send_delete(out, now);
            sa->children_down(out, "IKE SA deleted locally");
            out.events.emplace_back(IkeSaDown{sa->conn_.name, sa->id(), "deleted locally"});
        }
    }
    sas_.clear();
    return out;
}

std::optional<core::Instant> Engine::next_timer() const {
    std::optional<core::Instant> t;
    for (const auto& [spi, sa] : sas_) {
        auto s = sa->next_timer(config_);
        if (s && (!t || *s < *t)) t = s;
    }
    return t;
}

std::vector<KeyLogEntry> Engine::key_log() const {
    std::vector<KeyLogEntry> v;
    for (const auto& [spi, sa] : sas_) {
        if (!sa->keys_) continue;
        auto copy = [](const core::SecretBytes& s) { return core::Bytes(s.view().begin(), s.view().end()); };
        v.push_back(KeyLogEntry{sa->id(), sa->algs_, copy(sa->keys_->sk_ei), copy(sa->keys_->sk_er),
                                copy(sa->keys_->sk_ai), copy(sa->keys_->sk_ar)});
    }
    return v;
}

}  // namespace strata::ike::v2
