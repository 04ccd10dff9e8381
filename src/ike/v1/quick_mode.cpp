// quick_mode.cpp: quick mode (RFC 2409 §5.5) under an ISAKMP SA.
//
//   Initiator                          Responder
//   HDR*, HASH(1), SA, Ni [, KE ] [, IDci, IDcr ] -->
//                  <-- HDR*, HASH(2), SA, Nr [, KE ] [, IDci, IDcr ]
//   HDR*, HASH(3)                                 -->
#include <algorithm>

#include "crypto/constant_time.hpp"
#include "ike/nonce.hpp"
#include "ike/v1/client_id.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/engine_state.hpp"

namespace strata::ike::v1 {

namespace {

constexpr std::size_t kNonceLength = 32;
// How long a finished exchange is kept to answer a retransmitted QM2.
constexpr auto kLinger = std::chrono::seconds(60);

core::Bytes spi_bytes(std::uint32_t spi) {
    return {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
            static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}

std::uint8_t wire_protocol(ipsec::Protocol p) {
    return static_cast<std::uint8_t>(p == ipsec::Protocol::Ah ? ProtocolId::Ah : ProtocolId::Esp);
}

Phase2Offer offer_for(const ChildSpec& c) {
    Phase2Offer o;
    o.protocol = c.protocol;
    o.proposals = c.protocol == ipsec::Protocol::Ah ? c.ah_proposals : c.esp_proposals;
    o.mode = c.mode;
    o.life_seconds =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(c.lifetime).count());
    o.life_kilobytes = c.kilobytes;
    return o;
}

// clone_keys copies a ChildSaKeys (move-only: it holds keys) for an event.
ChildSaKeys clone_keys(const ChildSaKeys& k) {
    ChildSaKeys c;
    c.spi_in = k.spi_in;
    c.spi_out = k.spi_out;
    c.protocol = k.protocol;
    c.mode = k.mode;
    c.algorithms = k.algorithms;
    c.encryption_key_in = k.encryption_key_in.clone();
    c.integrity_key_in = k.integrity_key_in.clone();
    c.encryption_key_out = k.encryption_key_out.clone();
    c.integrity_key_out = k.integrity_key_out.clone();
    c.local_ts = k.local_ts;
    c.remote_ts = k.remote_ts;
    c.local = k.local;
    c.remote = k.remote;
    c.udp_encap = k.udp_encap;
    c.reqid = k.reqid;
    return c;
}

TrafficSelector host_ts(const packet::IpAddress& a) {
    return TrafficSelector{ipsec::AddressRange{a, a}, 0, {}};
}

// within is true if every address, protocol and port of a is allowed by b.
bool within(const TrafficSelector& a, const TrafficSelector& b) {
    return b.addresses.contains(a.addresses.first) && b.addresses.contains(a.addresses.last) &&
           (b.protocol == 0 || b.protocol == a.protocol) && b.ports.contains(a.ports.first) &&
           b.ports.contains(a.ports.last);
}

// IdFit is how a child's configured selector holds a proposed client ID.
enum class IdFit : std::uint8_t { None, Contained, Exact };

IdFit fit(const TrafficSelector& proposed, const std::optional<TrafficSelector>& configured,
          const packet::IpAddress& host) {
    const TrafficSelector c = configured ? *configured : host_ts(host);
    if (proposed == c) return IdFit::Exact;
    return within(proposed, c) ? IdFit::Contained : IdFit::None;
}

// fit_any is the best fit among several configured selectors (none: the host).
IdFit fit_any(const TrafficSelector& proposed, const std::vector<TrafficSelector>& configured,
              const packet::IpAddress& host) {
    if (configured.empty()) return fit(proposed, std::nullopt, host);
    IdFit best = IdFit::None;
    for (const auto& c : configured) best = std::max(best, fit(proposed, c, host));
    return best;
}

// rest_after returns the bytes after the first (HASH) payload up to the end
// of the last payload: what HASH(1) and HASH(2) cover (RFC 2409 §5.5).
core::ByteView rest_after(const std::vector<RawPayload>& chain, core::ByteView plain) {
    if (chain.size() < 2) return {};
    return plain.subspan(chain[0].end, chain.back().end - chain[0].end);
}

}  // namespace

void Engine::start_quick(Phase1Sa& sa, core::Instant now, Output& out, std::optional<std::uint32_t> rekey_of,
                         std::size_t spec) {
    const Connection& conn = *sa.conn;
    const Child* old = nullptr;
    if (rekey_of) {
        auto it = children_.find(*rekey_of);
        if (it == children_.end()) return;
        old = it->second.get();
        spec = old->spec;
    }
    const auto& specs = specs_for(conn);
    if (spec >= specs.size()) return;
    const ChildSpec& child = specs[spec];
    QuickExchange qx;
    qx.mid = new_message_id(sa);
    qx.spec = spec;
    qx.initiator = true;
    qx.offer = offer_for(child);
    qx.offer.udp_encap = sa.nat();
    qx.rekey_of = rekey_of;
    qx.spi_in = new_spi();
    auto iv = phase2_iv(sa.hash(), sa.p1_last, qx.mid, sa.prot->block_size());
    auto nonce = make_nonce(rng_, kNonceLength);
    if (!iv || !nonce || qx.spi_in == 0) return;
    qx.iv = std::move(iv).value();
    qx.ni_b = std::move(nonce).value();
    std::vector<OutPayload> rest;
    rest.push_back(OutPayload{PayloadType::Sa, encode_sa(phase2_sa(qx.offer, qx.spi_in))});
    rest.push_back(OutPayload{PayloadType::Nonce, qx.ni_b});
    if (const crypto::DhInfo* g = pfs_group(qx.offer); g != nullptr) {
        auto dh = crypto::KeyExchange::generate(g->group, rng_);
        if (!dh) return;
        qx.dh = std::move(dh).value();
        rest.push_back(OutPayload{PayloadType::KeyExchange, qx.dh->public_value(crypto::Encoding::Ike)});
    }
    // RFC 2409 §5.5: client IDs name the traffic the SA is for; a rekey
    // names the same traffic as the SA it replaces (which a responder may
    // have narrowed to what its peer proposed).
    if (old != nullptr && old->keys.local_ts.size() == 1 && old->keys.remote_ts.size() == 1) {
        qx.local_ts = old->keys.local_ts.front();
        qx.remote_ts = old->keys.remote_ts.front();
    } else {
        qx.local_ts = child.local_ts ? *child.local_ts : host_ts(sa.local.address);
        qx.remote_ts = child.remote_ts ? *child.remote_ts : host_ts(sa.remote.address);
    }
    qx.idci_b = encode_id(client_id(qx.local_ts));
    qx.idcr_b = encode_id(client_id(qx.remote_ts));
    rest.push_back(OutPayload{PayloadType::Identification, qx.idci_b});
    rest.push_back(OutPayload{PayloadType::Identification, qx.idcr_b});
    auto h1 = quick_hash1(sa.hash(), sa.keys->skeyid_a, qx.mid, encode_chain(rest));
    if (!h1) return;
    rest.insert(rest.begin(), OutPayload{PayloadType::Hash, *h1});
    Header h;
    h.initiator = sa.cky_i;
    h.responder = sa.cky_r;
    h.exchange = static_cast<std::uint8_t>(ExchangeType::QuickMode);
    h.message_id = qx.mid;
    h.next = static_cast<std::uint8_t>(PayloadType::Hash);
    core::Bytes next_iv;
    auto msg = sa.prot->seal(h, encode_chain(rest), qx.iv, next_iv);
    if (!msg) return;
    qx.iv = std::move(next_iv);
    qx.last_out = std::move(msg).value();
    qx.rt.armed = true;
    qx.rt.sends = 1;
    qx.rt.wait = conn.base.retransmit.initial;
    qx.rt.at = now + qx.rt.wait;
    send(sa, qx.last_out, out);
    sa.quick[qx.mid] = std::move(qx);
}

void Engine::on_quick(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out) {
    if (h.message_id == 0) {
        ++stats_.malformed;
        return;
    }
    auto it = sa.quick.find(h.message_id);
    if (it == sa.quick.end()) {
        respond_qm1(sa, in, h, now, out);
        return;
    }
    QuickExchange& qx = it->second;
    if (in.data == qx.last_in) {
        // A retransmission: answer again if we are the one who answers it.
        if (!qx.last_out.empty() && (qx.state == QuickState::Done || !qx.initiator)) {
            ++stats_.duplicates;
            send(sa, qx.last_out, out);
        }
        return;
    }
    if (qx.state == QuickState::Done) return;
    core::Bytes next_iv;
    auto plain = sa.prot->open(in.data, qx.iv, next_iv);
    if (!plain) {
        ++stats_.malformed;
        return;
    }
    auto chain = parse_chain(h.next, *plain, true);
    if (!chain || chain->empty() || chain->front().type != PayloadType::Hash) {
        ++stats_.malformed;
        return;
    }
    const core::ByteView hash = chain->front().body;
    if (qx.initiator && qx.state == QuickState::Qm1Sent) {
        // QM2: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]).
        auto want = quick_hash2(sa.hash(), sa.keys->skeyid_a, qx.mid, qx.ni_b, rest_after(*chain, *plain));
        if (!want || !crypto::constant_time_equal(*want, hash)) {
            ++stats_.auth_failed;
            return;
        }
        const RawPayload* sa_p = find_payload(*chain, PayloadType::Sa);
        const RawPayload* nr = find_payload(*chain, PayloadType::Nonce);
        const RawPayload* ke = find_payload(*chain, PayloadType::KeyExchange);
        auto reply = sa_p ? decode_sa(sa_p->body)
                          : core::Result<SaPayload, Error>(core::fail(Error::PayloadMalformed));
        auto sel = reply ? accept_phase2_reply(*reply, qx.offer)
                         : core::Result<Phase2Selection, Error>(core::fail(reply.error()));
        const bool pfs_ok = qx.dh ? (ke != nullptr && sel && sel->choice.pfs != nullptr &&
                                     sel->choice.pfs->group == qx.dh->group() &&
                                     ke->body.size() == sel->choice.pfs->public_len)
                                  : ke == nullptr;
        if (!sel || nr == nullptr || nr->body.size() < 8 || nr->body.size() > 256 || !pfs_ok) {
            ++stats_.malformed;
            const auto rekey_of = qx.rekey_of;
            sa.quick.erase(it);
            if (rekey_of) {
                auto c = children_.find(*rekey_of);
                if (c != children_.end()) c->second->rekeying = false;
            }
            out.events.emplace_back(
                ChildSaFailed{sa.conn->base.name, sa.id(),
                              "QM2 refused" + for_child(specs_for(*sa.conn).at(qx.spec).name) + ": " +
                                  std::string(to_string(sel ? Error::PayloadMalformed : sel.error()))});
            return;
        }
        // RFC 2409 §5.5: the responder returns the IDs it was sent.
        std::vector<const RawPayload*> ids;
        for (const auto& p : *chain)
            if (p.type == PayloadType::Identification) ids.push_back(&p);
        if (ids.size() != 2 || !core::equal_public(ids[0]->body, qx.idci_b) ||
            !core::equal_public(ids[1]->body, qx.idcr_b)) {
            ++stats_.malformed;
            return;
        }
        if (qx.dh) {
            auto g = qx.dh->derive(ke->body, crypto::Encoding::Ike);
            if (!g) {
                ++stats_.malformed;
                return;
            }
            qx.g_qm_xy = std::move(g).value();
        }
        qx.iv = std::move(next_iv);
        qx.nr_b.assign(nr->body.begin(), nr->body.end());
        qx.selection = std::move(sel).value();
        qx.last_in = in.data;
        // QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
        auto h3 = quick_hash3(sa.hash(), sa.keys->skeyid_a, qx.mid, qx.ni_b, qx.nr_b);
        if (!h3) return;
        Header mh = h;
        mh.flags = 0;
        mh.next = static_cast<std::uint8_t>(PayloadType::Hash);
        auto msg = sa.prot->seal(mh, encode_chain({OutPayload{PayloadType::Hash, *h3}}), qx.iv, next_iv);
        if (!msg) return;
        qx.iv = std::move(next_iv);
        qx.last_out = std::move(msg).value();
        qx.rt.armed = false;
        qx.state = QuickState::Done;
        qx.forget_at = now + kLinger;
        send(sa, qx.last_out, out);
        sa.last_heard = now;
        install_child(sa, qx, now, out);
        return;
    }
    if (!qx.initiator && qx.state == QuickState::Qm2Sent) {
        auto want = quick_hash3(sa.hash(), sa.keys->skeyid_a, qx.mid, qx.ni_b, qx.nr_b);
        if (!want || !crypto::constant_time_equal(*want, hash)) {
            ++stats_.auth_failed;
            return;
        }
        qx.iv = std::move(next_iv);
        qx.last_in = in.data;
        qx.last_out.clear();
        qx.rt.armed = false;
        qx.state = QuickState::Done;
        qx.forget_at = now + kLinger;
        sa.last_heard = now;
        install_child(sa, qx, now, out);
    }
}

void Engine::respond_qm1(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out) {
    const core::Bytes iv = [&] {
        auto v = phase2_iv(sa.hash(), sa.p1_last, h.message_id, sa.prot->block_size());
        return v ? std::move(v).value() : core::Bytes{};
    }();
    if (iv.empty()) return;
    core::Bytes next_iv;
    auto plain = sa.prot->open(in.data, iv, next_iv);
    if (!plain) {
        ++stats_.malformed;
        return;
    }
    auto chain = parse_chain(h.next, *plain, true);
    if (!chain || chain->empty() || chain->front().type != PayloadType::Hash) {
        ++stats_.malformed;
        return;
    }
    auto want = quick_hash1(sa.hash(), sa.keys->skeyid_a, h.message_id, rest_after(*chain, *plain));
    if (!want || !crypto::constant_time_equal(*want, chain->front().body)) {
        // RFC 2409 §5.5: an unauthenticated quick mode message is dropped.
        ++stats_.auth_failed;
        return;
    }
    sa.last_heard = now;
    const auto& specs = specs_for(*sa.conn);
    auto refuse = [&](Error e) {
        NotifyPayload n;
        n.protocol = wire_protocol(specs.front().protocol);
        n.type = static_cast<std::uint16_t>(notify_for(e));
        send_informational(sa, {OutPayload{PayloadType::Notification, encode_notify(n)}}, out);
    };
    const RawPayload* sa_p = find_payload(*chain, PayloadType::Sa);
    const RawPayload* ni = find_payload(*chain, PayloadType::Nonce);
    const RawPayload* ke = find_payload(*chain, PayloadType::KeyExchange);
    std::vector<const RawPayload*> ids;
    for (const auto& p : *chain)
        if (p.type == PayloadType::Identification) ids.push_back(&p);
    if (sa_p == nullptr || ni == nullptr || ni->body.size() < 8 || ni->body.size() > 256 ||
        (!ids.empty() && ids.size() != 2) || count_payloads(*chain, PayloadType::Sa) != 1) {
        refuse(Error::PayloadMalformed);
        return;
    }
    auto offered = decode_sa(sa_p->body);
    if (!offered) {
        refuse(offered.error());
        return;
    }
    // Client IDs: the initiator's side is our remote side (RFC 2409 §5.5);
    // without IDs the SA is between the two ISAKMP peers.
    QuickExchange qx;
    if (ids.size() == 2) {
        auto ci = decode_id(ids[0]->body);
        auto cr = decode_id(ids[1]->body);
        auto tci = ci ? selector_of(*ci) : core::Result<TrafficSelector, Error>(core::fail(ci.error()));
        auto tcr = cr ? selector_of(*cr) : core::Result<TrafficSelector, Error>(core::fail(cr.error()));
        if (!tci || !tcr) {
            refuse(Error::InvalidIdInformation);
            return;
        }
        qx.remote_ts = *tci;
        qx.local_ts = *tcr;
        qx.idci_b.assign(ids[0]->body.begin(), ids[0]->body.end());
        qx.idcr_b.assign(ids[1]->body.begin(), ids[1]->body.end());
    } else {
        qx.remote_ts = host_ts(sa.remote.address);
        qx.local_ts = host_ts(sa.local.address);
    }
    qx.mid = h.message_id;
    qx.initiator = false;
    qx.spi_in = new_spi();
    if (qx.spi_in == 0) return;
    // The child this quick mode is for: the first whose selectors equal
    // both client IDs, else the first that contains them; its proposals
    // must match (INVALID-ID-INFORMATION if no child holds the IDs,
    // NO-PROPOSAL-CHOSEN if none of those that do has the proposal).
    std::optional<core::Result<Phase2Selection, Error>> sel;
    for (const IdFit pass : {IdFit::Exact, IdFit::Contained}) {
        for (std::size_t i = 0; i < specs.size() && !(sel && *sel); ++i) {
            // The first child takes any of the connection's own selectors
            // (as before there were several children); the others their one.
            const IdFit r = i == 0 ? fit_any(qx.remote_ts, sa.conn->base.remote_ts, sa.remote.address)
                                   : fit(qx.remote_ts, specs[i].remote_ts, sa.remote.address);
            const IdFit l = i == 0 ? fit_any(qx.local_ts, sa.conn->base.local_ts, sa.local.address)
                                   : fit(qx.local_ts, specs[i].local_ts, sa.local.address);
            if (r == IdFit::None || l == IdFit::None) continue;
            if (pass == IdFit::Exact && (r != IdFit::Exact || l != IdFit::Exact)) continue;
            Phase2Offer offer = offer_for(specs[i]);
            offer.udp_encap = sa.nat();
            auto s = select_phase2(*offered, offer, qx.spi_in);
            if (!sel || s) {
                sel = std::move(s);
                qx.offer = std::move(offer);
                qx.spec = i;
            }
        }
        if (sel && *sel) break;
    }
    if (!sel) {
        refuse(Error::InvalidIdInformation);
        return;
    }
    if (!*sel) {
        refuse(sel->error());
        return;
    }
    const crypto::DhInfo* g = (*sel)->choice.pfs;
    if ((g != nullptr) != (ke != nullptr) || (g != nullptr && ke->body.size() != g->public_len)) {
        refuse(g != nullptr && ke != nullptr ? Error::InvalidKeyInformation : Error::NoProposalChosen);
        return;
    }
    auto nonce = make_nonce(rng_, kNonceLength);
    if (!nonce) return;
    qx.ni_b.assign(ni->body.begin(), ni->body.end());
    qx.nr_b = std::move(nonce).value();
    std::vector<OutPayload> rest;
    rest.push_back(OutPayload{PayloadType::Sa, encode_sa((*sel)->reply)});
    rest.push_back(OutPayload{PayloadType::Nonce, qx.nr_b});
    if (g != nullptr) {
        auto dh = crypto::KeyExchange::generate(g->group, rng_);
        if (!dh) return;
        auto shared = dh->derive(ke->body, crypto::Encoding::Ike);
        if (!shared) {
            refuse(Error::InvalidKeyInformation);
            return;
        }
        qx.g_qm_xy = std::move(shared).value();
        rest.push_back(OutPayload{PayloadType::KeyExchange, dh->public_value(crypto::Encoding::Ike)});
    }
    if (ids.size() == 2) {
        rest.push_back(OutPayload{PayloadType::Identification, qx.idci_b});
        rest.push_back(OutPayload{PayloadType::Identification, qx.idcr_b});
    }
    qx.selection = std::move(*sel).value();
    auto h2 = quick_hash2(sa.hash(), sa.keys->skeyid_a, qx.mid, qx.ni_b, encode_chain(rest));
    if (!h2) return;
    rest.insert(rest.begin(), OutPayload{PayloadType::Hash, *h2});
    Header rh = h;
    rh.flags = 0;
    rh.next = static_cast<std::uint8_t>(PayloadType::Hash);
    core::Bytes iv2;
    auto msg = sa.prot->seal(rh, encode_chain(rest), next_iv, iv2);
    if (!msg) return;
    qx.iv = std::move(iv2);
    qx.last_in = in.data;
    qx.last_out = std::move(msg).value();
    qx.state = QuickState::Qm2Sent;
    // The responder waits for QM3 and resends QM2 until it comes.
    qx.rt.armed = true;
    qx.rt.sends = 1;
    qx.rt.wait = sa.conn->base.retransmit.initial;
    qx.rt.at = now + qx.rt.wait;
    send(sa, qx.last_out, out);
    sa.quick[qx.mid] = std::move(qx);
}

void Engine::install_child(Phase1Sa& sa, QuickExchange& qx, core::Instant now, Output& out) {
    const Phase2Choice& c = qx.selection.choice;
    const std::size_t enc_len = c.encryption != nullptr ? c.encryption->key_len + c.encryption->salt_len : 0;
    const std::size_t len = enc_len + c.integrity->key_len;
    const std::uint8_t proto = wire_protocol(c.protocol);
    const std::uint32_t spi_out = qx.selection.peer_spi;
    // KEYMAT per direction under the SPI the receiving end chose (§5.5).
    auto in_km = quick_keymat(sa.hash(), sa.keys->skeyid_d, qx.g_qm_xy, proto, spi_bytes(qx.spi_in), qx.ni_b,
                              qx.nr_b, len);
    auto out_km = quick_keymat(sa.hash(), sa.keys->skeyid_d, qx.g_qm_xy, proto, spi_bytes(spi_out), qx.ni_b,
                               qx.nr_b, len);
    if (!in_km || !out_km) return;
    const ChildSpec& spec = specs_for(*sa.conn).at(qx.spec);
    auto child = std::make_unique<Child>();
    child->conn = sa.conn;
    child->spec = qx.spec;
    child->ike = sa.id();
    child->choice = c;
    child->initiator = qx.initiator;
    child->installed = now;
    ChildSaKeys& k = child->keys;
    k.spi_in = qx.spi_in;
    k.spi_out = spi_out;
    k.protocol = c.protocol;
    k.mode = c.mode;
    k.algorithms = to_negotiated(c);
    k.encryption_key_in = core::SecretBytes(in_km->view().first(enc_len));
    k.integrity_key_in = core::SecretBytes(in_km->view().subspan(enc_len));
    k.encryption_key_out = core::SecretBytes(out_km->view().first(enc_len));
    k.integrity_key_out = core::SecretBytes(out_km->view().subspan(enc_len));
    k.local_ts = {qx.local_ts};
    k.remote_ts = {qx.remote_ts};
    k.local = sa.local.address;
    k.remote = sa.remote.address;
    // RFC 3948: ESP in UDP between the ports IKE floated to.
    if (c.udp_encap) k.udp_encap = ipsec::UdpEncapsulation{sa.local.port, sa.remote.port};
    k.reqid = spec.reqid;
    child->keymat_in.assign(in_km->view().begin(), in_km->view().end());
    child->keymat_out.assign(out_km->view().begin(), out_km->view().end());
    core::Duration life = spec.lifetime;
    if (c.life_seconds != 0) life = std::min<core::Duration>(life, std::chrono::seconds(c.life_seconds));
    child->expires_at = now + life;
    if (qx.initiator) child->rekey_at = now + life - std::min<core::Duration>(spec.rekey_margin, life / 2);
    const std::uint32_t spi_in = qx.spi_in;
    ChildSaKeys reported = clone_keys(k);
    children_[spi_in] = std::move(child);
    if (qx.rekey_of) {
        auto old = children_.find(*qx.rekey_of);
        if (old != children_.end()) {
            ChildSaRekeyed ev;
            ev.connection = sa.conn->base.name;
            ev.ike = sa.id();
            ev.old_spi_in = old->second->keys.spi_in;
            ev.old_spi_out = old->second->keys.spi_out;
            ev.child = std::move(reported);
            // The replaced SA goes: DELETE to the peer, gone here (the event says so).
            send_delete_child(&sa, *old->second, out);
            children_.erase(old);
            out.events.emplace_back(std::move(ev));
            return;
        }
    }
    out.events.emplace_back(ChildSaUp{sa.conn->base.name, sa.id(), std::move(reported)});
}

}  // namespace strata::ike::v1
