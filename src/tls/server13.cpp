// server13.cpp: the TLS 1.3 server handshake (RFC 8446 §2, §4).
//
//   <- ClientHello                      (HelloRetryRequest ->, <- ClientHello)
//   ServerHello, {EncryptedExtensions}, {CertificateRequest}, {Certificate},
//   {CertificateVerify}, {Finished} ->
//   <- {Certificate}, {CertificateVerify}, {Finished}
//   [NewSessionTicket] ->
#include <algorithm>
#include <chrono>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/hash.hpp"
#include "packet/keylog.hpp"
#include "tls/certificate_auth.hpp"
#include "tls/connection_impl.hpp"

namespace strata::tls {

namespace {

template <typename T>
bool contains(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// binders_block_length returns the size of the binders list at the end of a
// ClientHello's pre_shared_key extension: 2 + sum(1 + len(binder)).
std::size_t binders_block_length(const OfferedPsks& psks) {
    std::size_t n = 2;
    for (const auto& b : psks.binders) n += 1 + b.size();
    return n;
}

Result<Extension> make_alpn_one(const std::string& proto) {
    const std::vector<std::string> one{proto};
    return make_alpn(one);
}

}  // namespace

Status Connection::Impl::server_on_client_hello(const HandshakeMessage& m) {
    auto ch = parse_client_hello(m.body());
    if (!ch) return fail(ch.error());
    auto ext = decode_client_hello_extensions(*ch);
    if (!ext) return fail(ext.error());
    // RFC 8446 §4.2.1 / Appendix D: no supported_versions means TLS 1.2 or
    // below; an SSL 3.0 / TLS 1.0 / 1.1 client gets protocol_version. The
    // highest version both sides allow wins (TLS 1.2: server12.cpp).
    const bool offers13 = ext->supported_versions && contains(*ext->supported_versions, kTls13);
    const bool offers12 =
        ext->supported_versions ? contains(*ext->supported_versions, kTls12) : ch->legacy_version >= kTls12;
    if (!(offers13 && allows13())) {
        if (offers12 && allows12() && !neg.hello_retry) return server12_on_client_hello(m, *ch, *ext);
        return fail(Error::ProtocolVersion);
    }
    // RFC 8446 §4.1.2: exactly one compression method, null; CRIME is why.
    if (ch->compression_methods.size() != 1 || ch->compression_methods[0] != 0) {
        return fail(Error::CompressionRefused);
    }
    if (neg.hello_retry) {
        // RFC 8446 §4.1.2: the second ClientHello keeps the suites and answers the HRR.
        if (!ext->key_shares || ext->key_shares->size() != 1 || ext->key_shares->front().group != hrr_group ||
            !contains(ch->cipher_suites, suite->id)) {
            return fail(Error::IllegalParameter);
        }
    } else {
        for (auto s : cfg->cipher_suites) {
            const auto* row = crypto::find_tls_cipher_suite(s);
            if (row != nullptr && row->kx == crypto::TlsKeyExchange::Tls13 &&
                contains(ch->cipher_suites, s)) {
                suite = row;
                break;
            }
        }
        if (suite == nullptr) return fail(Error::HandshakeFailure);
    }
    // RFC 8446 §9.2: a ClientHello for (EC)DHE needs supported_groups and key_share.
    if (!ext->supported_groups || !ext->key_shares) return fail(Error::MissingExtension);
    std::optional<KeyShareEntry> share;
    for (auto g : cfg->groups) {
        for (const auto& ks : *ext->key_shares) {
            if (ks.group == g) {
                share = ks;
                break;
            }
        }
        if (share) break;
    }
    client_random = ch->random;
    if (!share) {
        if (neg.hello_retry) return fail(Error::IllegalParameter);
        std::optional<std::uint16_t> group;
        for (auto g : cfg->groups) {
            if (contains(*ext->supported_groups, g)) {
                group = g;
                break;
            }
        }
        if (!group) return fail(Error::HandshakeFailure);
        // RFC 8446 §4.1.4: HelloRetryRequest naming the group to use.
        if (auto s = start_transcript(suite->prf_hash); !s) return s;
        if (auto s = transcript->add(m.encoded); !s) return s;
        auto mh = message_hash_of(suite->prf_hash, m.encoded);
        if (!mh) return fail(mh.error());
        if (auto s = transcript->restart_after_hello_retry(); !s) return s;
        ServerHello hrr;
        hrr.random = kHelloRetryRequestRandom;
        hrr.legacy_session_id_echo = ch->legacy_session_id;
        hrr.cipher_suite = suite->id;
        hrr.extensions.push_back(make_supported_versions_sh(kTls13));
        hrr.extensions.push_back(make_key_share_hrr(*group));
        auto body = build_server_hello(hrr);
        if (!body) return fail(body.error());
        auto msg = build_handshake(HandshakeType::ServerHello, *body);
        if (!msg) return fail(msg.error());
        if (auto s = transcript->add(*msg); !s) return s;
        hrr_prefix = core::concat({*mh, *msg});
        if (auto s = send_handshake(*msg); !s) return s;
        if (auto s = send_ccs(); !s) return s;  // RFC 8446 Appendix D.4
        neg.hello_retry = true;
        hrr_group = *group;
        session_id = ch->legacy_session_id;
        state = HandshakeState::WaitClientHello;
        return {};
    }
    if (neg.hello_retry && !core::equal_public(ch->legacy_session_id, session_id)) {
        return fail(Error::IllegalParameter);
    }
    if (ext->server_name) neg.server_name = *ext->server_name;
    if (ext->signature_algorithms) client_sig_schemes = *ext->signature_algorithms;
    if (!cfg->alpn.empty() && ext->alpn) {
        // RFC 7301 §3.2: the server's preference among the client's list.
        for (const auto& p : cfg->alpn) {
            if (contains(*ext->alpn, p)) {
                neg.alpn = p;
                break;
            }
        }
        if (neg.alpn.empty()) return fail(Error::NoApplicationProtocol);
    }
    // PSK resumption (psk_dhe_ke only; RFC 8446 §4.2.9, §4.2.11).
    if (cfg->sessions && ext->pre_shared_key && ext->psk_key_exchange_modes &&
        contains(*ext->psk_key_exchange_modes, kPskDheKe)) {
        const auto& psks = *ext->pre_shared_key;
        // Each ticket resumes once: taken out of the cache when presented.
        auto sess = cfg->sessions->find_server(psks.identities.front().identity);
        if (sess) cfg->sessions->remove_server(psks.identities.front().identity);
        if (sess && sess->version == kTls13) {
            const auto* ps = crypto::find_tls_cipher_suite(sess->cipher_suite);
            if (ps != nullptr && ps->prf_hash == suite->prf_hash) {
                core::ByteView truncated(m.encoded.data(), m.encoded.size() - binders_block_length(psks));
                auto binder = compute_binder(suite->prf_hash, sess->secret, hrr_prefix, truncated);
                if (!binder) return fail(binder.error());
                // RFC 8446 §4.2.11.2: a binder that does not verify aborts with decrypt_error.
                if (!crypto::constant_time_equal(*binder, psks.binders.front()))
                    return fail(Error::DecryptError);
                accepted_session = std::move(sess);
            }
        }
    }
    if (!accepted_session) {
        if (!ext->signature_algorithms) return fail(Error::MissingExtension);  // RFC 8446 §9.2
        auto scheme = choose_signature_scheme(*cfg->private_key, cfg->signature_schemes,
                                              *ext->signature_algorithms, true);
        if (!scheme) return fail(Error::HandshakeFailure);
        peer_sig_scheme_choice = *scheme;
    }
    if (!transcript) {
        if (auto s = start_transcript(suite->prf_hash); !s) return s;
    }
    if (auto s = add_transcript(m.encoded); !s) return s;
    session_id = ch->legacy_session_id;
    return server_send_flight(*ch, *ext, *share);
}

Status Connection::Impl::server_send_flight(const ClientHello& ch, const ClientHelloExtensions& ext,
                                            const KeyShareEntry& share) {
    (void)ext;
    const auto dg = dh_group_for(share.group);
    if (!dg) return fail(Error::InternalError);
    auto kx = crypto::KeyExchange::generate(*dg, rng);
    if (!kx) return fail(Error::Crypto);
    auto shared = kx->derive(share.key_exchange, crypto::Encoding::Tls);
    if (!shared) return fail(Error::IllegalParameter);  // RFC 8446 §4.2.8.2: bad point
    if (!rng.fill(server_random)) return fail(Error::Crypto);
    ServerHello sh;
    sh.random = server_random;
    sh.legacy_session_id_echo = ch.legacy_session_id;
    sh.cipher_suite = suite->id;
    sh.extensions.push_back(make_supported_versions_sh(kTls13));
    auto ks_ext = make_key_share_sh(KeyShareEntry{share.group, kx->public_value(crypto::Encoding::Tls)});
    if (!ks_ext) return fail(ks_ext.error());
    sh.extensions.push_back(std::move(*ks_ext));
    if (accepted_session) {
        Extension psk{static_cast<std::uint16_t>(ExtensionType::PreSharedKey),
                      {0, 0}};  // selected_identity 0
        sh.extensions.push_back(std::move(psk));
    }
    auto body = build_server_hello(sh);
    if (!body) return fail(body.error());
    auto msg = build_handshake(HandshakeType::ServerHello, *body);
    if (!msg) return fail(msg.error());
    if (auto s = add_transcript(*msg); !s) return s;
    if (auto s = send_handshake(*msg); !s) return s;
    if (!ch.legacy_session_id.empty()) {
        if (auto s = send_ccs(); !s) return s;  // RFC 8446 Appendix D.4
    }
    const core::ByteView psk = accepted_session ? accepted_session->secret.view() : core::ByteView{};
    if (auto s = derive_handshake_secrets(psk, *shared); !s) return s;
    if (auto s = install_write(server_hs_secret); !s) return s;
    if (auto s = install_read(client_hs_secret); !s) return s;
    neg.version = kTls13;
    neg.cipher_suite = suite->id;
    neg.group = share.group;
    neg.resumed = accepted_session != nullptr;

    // {EncryptedExtensions} (RFC 8446 §4.3.1)
    EncryptedExtensions ee;
    if (!neg.alpn.empty()) {
        auto a = make_alpn_one(neg.alpn);
        if (!a) return fail(a.error());
        ee.extensions.push_back(std::move(*a));
    }
    if (!neg.server_name.empty()) ee.extensions.push_back(make_empty(ExtensionType::ServerName));
    auto eem = build_encrypted_extensions(ee);
    if (!eem) return fail(eem.error());
    if (auto s = add_transcript(*eem); !s) return s;
    if (auto s = send_handshake(*eem); !s) return s;

    if (!accepted_session) {
        if (cfg->verify != VerifyMode::None) {
            // {CertificateRequest} (RFC 8446 §4.3.2)
            CertificateRequest13 cr;
            for (auto sch : cfg->signature_schemes) {
                if (tls13_signature_allowed(sch)) cr.signature_algorithms.push_back(sch);
            }
            auto crm = build_certificate_request13(cr);
            if (!crm) return fail(crm.error());
            if (auto s = add_transcript(*crm); !s) return s;
            if (auto s = send_handshake(*crm); !s) return s;
            client_cert_requested = true;
        }
        Certificate13 cert;
        auto der = chain_der(cfg->certificate_chain);
        if (!der) return fail(der.error());
        cert.certificates = std::move(*der);
        auto cm = build_certificate13(cert);
        if (!cm) return fail(cm.error());
        if (auto s = add_transcript(*cm); !s) return s;
        if (auto s = send_handshake(*cm); !s) return s;
        auto h = transcript_hash();
        if (!h) return fail(h.error());
        auto sig = sign_certificate_verify(*cfg->private_key, peer_sig_scheme_choice, true, *h);
        if (!sig) return fail(sig.error());
        auto cv = build_certificate_verify13(CertificateVerify13{peer_sig_scheme_choice, std::move(*sig)});
        if (!cv) return fail(cv.error());
        if (auto s = add_transcript(*cv); !s) return s;
        if (auto s = send_handshake(*cv); !s) return s;
    } else {
        neg.peer_subject = accepted_session->peer_subject.empty()
                               ? subject_of(accepted_session->peer_certificates)
                               : accepted_session->peer_subject;
    }
    auto h = transcript_hash();
    if (!h) return fail(h.error());
    auto vd = finished_verify_data(suite->prf_hash, server_hs_secret, *h);
    if (!vd) return fail(vd.error());
    auto fin = build_finished(*vd);
    if (!fin) return fail(fin.error());
    if (auto s = add_transcript(*fin); !s) return s;
    if (auto s = send_handshake(*fin); !s) return s;
    if (auto s = derive_application_secrets(); !s) return s;
    if (auto s = install_write(server_ap_secret); !s) return s;
    state =
        client_cert_requested ? HandshakeState::WaitClientCertificate : HandshakeState::WaitClientFinished;
    return {};
}

Status Connection::Impl::server_on_certificate(const HandshakeMessage& m) {
    auto c = parse_certificate13(m.body());
    if (!c) return fail(c.error());
    if (!c->context.empty()) return fail(Error::IllegalParameter);
    if (auto s = add_transcript(m.encoded); !s) return s;
    if (c->certificates.empty()) {
        // RFC 8446 §4.4.2.4: no client certificate where one is required.
        if (cfg->verify == VerifyMode::Required) return fail(Error::CertificateRequired);
        state = HandshakeState::WaitClientFinished;
        return {};
    }
    if (auto s = accept_peer_chain(c->certificates, true, {}); !s) return s;
    state = HandshakeState::WaitClientCertificateVerify;
    return {};
}

Status Connection::Impl::server_on_certificate_verify(const HandshakeMessage& m) {
    auto cv = parse_certificate_verify13(m.body());
    if (!cv) return fail(cv.error());
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    if (auto s = check_certificate_verify(*peer_key, cv->scheme, cfg->signature_schemes, false, *th,
                                          cv->signature);
        !s) {
        return s;
    }
    neg.signature_scheme = cv->scheme;
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitClientFinished;
    return {};
}

Status Connection::Impl::server_on_finished(const HandshakeMessage& m) {
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    if (auto s = check_finished(suite->prf_hash, client_hs_secret, *th, m.body()); !s) return s;
    if (auto s = add_transcript(m.encoded); !s) return s;
    if (auto s = install_read(client_ap_secret); !s) return s;
    auto th2 = transcript_hash();
    if (!th2) return fail(th2.error());
    auto rms = keys->resumption_master_secret(*th2);
    if (!rms) return fail(rms.error());
    resumption_master = std::move(*rms);
    state = HandshakeState::Connected;
    return server_send_tickets();
}

Status Connection::Impl::server_send_tickets() {
    if (!cfg->sessions) return {};
    for (unsigned i = 0; i < cfg->tickets_per_connection; ++i) {
        NewSessionTicket13 t;
        t.lifetime = cfg->ticket_lifetime;
        std::uint8_t add[4];
        if (!rng.fill(add)) return fail(Error::Crypto);
        t.age_add = (std::uint32_t{add[0]} << 24) | (std::uint32_t{add[1]} << 16) |
                    (std::uint32_t{add[2]} << 8) | std::uint32_t{add[3]};
        t.nonce = {static_cast<std::uint8_t>(i)};
        t.ticket.resize(32);
        if (!rng.fill(t.ticket)) return fail(Error::Crypto);
        auto psk = resumption_psk(suite->prf_hash, resumption_master, t.nonce);  // RFC 8446 §4.6.1
        if (!psk) return fail(psk.error());
        Session s;
        s.version = kTls13;
        s.cipher_suite = suite->id;
        s.secret = std::move(*psk);
        s.peer_certificates = accepted_session ? accepted_session->peer_certificates : peer_der(peer_chain);
        s.peer_subject = neg.peer_subject;
        s.alpn = neg.alpn;
        s.server_name = neg.server_name;
        s.ticket_lifetime = t.lifetime;
        s.ticket_age_add = t.age_add;
        s.ticket_nonce = t.nonce;
        s.created = clock.wall_now();
        cfg->sessions->store_server(t.ticket, std::move(s));
        auto msg = build_new_session_ticket13(t);
        if (!msg) return fail(msg.error());
        if (auto st = send_handshake(*msg); !st) return st;
    }
    return {};
}

}  // namespace strata::tls
