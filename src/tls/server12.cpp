// server12.cpp: the TLS 1.2 server handshake (RFC 5246 §7.3):
//
//   1  <- ClientHello                  ServerHello ->
//   2  Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone ->
//   3  <- [Certificate], ClientKeyExchange, [CertificateVerify]
//   4  <- ChangeCipherSpec, Finished   [NewSessionTicket], ChangeCipherSpec, Finished ->
//
//   abbreviated (session ID or ticket, RFC 5246 §7.3, RFC 5077 §3.1):
//      <- ClientHello                  ServerHello, [NewSessionTicket],
//                                      ChangeCipherSpec, Finished ->
//      <- ChangeCipherSpec, Finished
//
// Refused: a client without extended_master_secret unless the Config allows
// it (RFC 7627), a renegotiation_info that is not empty on an initial
// handshake (RFC 5746 §3.6), suites the certificate cannot serve.
#include <algorithm>

#include "crypto/algorithm_table.hpp"
#include "packet/keylog.hpp"
#include "tls/certificate_auth.hpp"
#include "tls/connection_impl.hpp"
#include "tls/messages12.hpp"
#include "tls/rsa_premaster.hpp"

namespace strata::tls {

namespace {

template <typename T>
bool contains(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// kEmptyRenegotiationInfoScsv is TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
constexpr std::uint16_t kEmptyRenegotiationInfoScsv = 0x00ff;

bool key_serves(crypto::KeyType t, crypto::TlsKeyExchange kx) {
    switch (kx) {
        case crypto::TlsKeyExchange::EcdheEcdsa:  // RFC 8422 §5.1: ECDSA or EdDSA (Ed25519) certificates
            return t == crypto::KeyType::EcP256 || t == crypto::KeyType::EcP384 ||
                   t == crypto::KeyType::Ed25519;
        case crypto::TlsKeyExchange::EcdheRsa:
        case crypto::TlsKeyExchange::Rsa: return t == crypto::KeyType::Rsa;
        default: return false;
    }
}

// ecdsa_curve returns the NamedGroup of an ECDSA key's curve, 0 for other keys.
std::uint16_t ecdsa_curve(crypto::KeyType t) {
    if (t == crypto::KeyType::EcP256) return kGroupSecp256r1;
    if (t == crypto::KeyType::EcP384) return kGroupSecp384r1;
    return 0;
}

}  // namespace

Status Connection::Impl::server12_on_client_hello(const HandshakeMessage& m, const ClientHello& ch,
                                                  const ClientHelloExtensions& ext) {
    // RFC 5246 §7.4.1.2: null must be among the methods (parse_client_hello
    // checks); Strata always selects null (CRIME).
    client_random = ch.random;
    client_version12 = ch.legacy_version;
    // RFC 5746 §3.6: the extension or the SCSV signals secure renegotiation;
    // on an initial handshake the extension must be empty.
    if (ext.renegotiation_info && !ext.renegotiation_info->empty()) return fail(Error::HandshakeFailure);
    secure_renegotiation =
        ext.renegotiation_info.has_value() || contains(ch.cipher_suites, kEmptyRenegotiationInfoScsv);
    if (!ext.extended_master_secret && cfg->require_extended_master_secret) {
        return fail(Error::HandshakeFailure);  // RFC 7627 §5.2, required by default
    }
    neg.extended_master_secret = ext.extended_master_secret;
    if (ext.server_name) neg.server_name = *ext.server_name;
    if (ext.signature_algorithms) client_sig_schemes = *ext.signature_algorithms;

    // Resumption: a ticket (RFC 5077 §3.1) or a session ID (RFC 5246 §7.3).
    std::optional<Session> sess;
    bool by_ticket = false;
    if (cfg->ticket_keys && ext.session_ticket && !ext.session_ticket->empty()) {
        sess = cfg->ticket_keys->open(*ext.session_ticket);
        by_ticket = sess.has_value();
    }
    if (!sess && cfg->sessions && !ch.legacy_session_id.empty()) {
        auto found = cfg->sessions->find_server(ch.legacy_session_id);
        if (found) sess = found->clone();
    }
    if (sess) {
        const auto* row = crypto::find_tls_cipher_suite(sess->cipher_suite);
        const bool usable =
            row != nullptr && sess->version == kTls12 && contains(ch.cipher_suites, sess->cipher_suite) &&
            contains(cfg->cipher_suites, sess->cipher_suite) && key_serves(cfg->private_key->type(), row->kx);
        // RFC 7627 §5.3: a session with the extended master secret resumed
        // by a hello without it is aborted; the reverse is a full handshake.
        if (usable && sess->extended_master_secret && !ext.extended_master_secret) {
            return fail(Error::HandshakeFailure);
        }
        if (!usable || sess->extended_master_secret != ext.extended_master_secret) sess.reset();
    }

    std::uint16_t group = 0;
    if (sess) {
        suite = crypto::find_tls_cipher_suite(sess->cipher_suite);
    } else {
        // Server preference (RFC 5246 §7.4.1.3): a suite the client offered
        // that the certificate serves, with a group and signature for ECDHE.
        for (auto g : cfg->groups) {
            if (!ext.supported_groups || contains(*ext.supported_groups, g)) {
                group = g;
                break;
            }
        }
        for (auto id : cfg->cipher_suites) {
            const auto* row = crypto::find_tls_cipher_suite(id);
            if (row == nullptr || row->kx == crypto::TlsKeyExchange::Tls13 ||
                !contains(ch.cipher_suites, id) || !key_serves(cfg->private_key->type(), row->kx)) {
                continue;
            }
            if (row->kx != crypto::TlsKeyExchange::Rsa) {
                if (group == 0 || !ext.signature_algorithms) continue;
                // RFC 8422 §5.1: only if the handshake can respect the client's
                // curves, which bound an ECDSA certificate's curve too.
                const auto curve = ecdsa_curve(cfg->private_key->type());
                if (row->kx == crypto::TlsKeyExchange::EcdheEcdsa && curve != 0 && ext.supported_groups &&
                    !contains(*ext.supported_groups, curve)) {
                    continue;
                }
                auto scheme = choose_signature_scheme(*cfg->private_key, cfg->signature_schemes,
                                                      *ext.signature_algorithms, false);
                if (!scheme) continue;
                sig_scheme12 = *scheme;
            }
            suite = row;
            break;
        }
        if (suite == nullptr) return fail(Error::HandshakeFailure);
    }
    if (!cfg->alpn.empty() && ext.alpn) {
        for (const auto& p : cfg->alpn) {  // RFC 7301 §3.2: the server's preference
            if (contains(*ext.alpn, p)) {
                neg.alpn = p;
                break;
            }
        }
        if (neg.alpn.empty()) return fail(Error::NoApplicationProtocol);
    }
    tls12 = true;
    keep_raw = true;
    neg.version = kTls12;
    neg.cipher_suite = suite->id;
    neg.encrypt_then_mac = ext.encrypt_then_mac && !suite->aead;  // RFC 7366 §3
    neg.resumed = sess.has_value();
    // RFC 5077 §3.2: a ticket is issued when the client asked for one.
    send_ticket12 = cfg->ticket_keys && ext.session_ticket.has_value();

    if (!rng.fill(server_random)) return fail(Error::Crypto);
    // RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 marks its random.
    if (allows13()) set_downgrade_sentinel(server_random, Downgrade::Tls12);
    if (sess && by_ticket) {
        session_id = ch.legacy_session_id;  // RFC 5077 §3.4: echoed on acceptance
    } else if (sess) {
        session_id = sess->session_id;
    } else if (cfg->sessions) {
        session_id.resize(32);
        if (!rng.fill(session_id)) return fail(Error::Crypto);
    } else {
        session_id.clear();
    }
    ServerHello sh;
    sh.random = server_random;
    sh.legacy_session_id_echo = session_id;
    sh.cipher_suite = suite->id;
    if (secure_renegotiation) {
        auto ri = make_renegotiation_info({});  // RFC 5746 §3.6
        if (!ri) return fail(ri.error());
        sh.extensions.push_back(std::move(*ri));
    }
    if (neg.extended_master_secret) sh.extensions.push_back(make_empty(ExtensionType::ExtendedMasterSecret));
    if (neg.encrypt_then_mac) sh.extensions.push_back(make_empty(ExtensionType::EncryptThenMac));
    if (send_ticket12) sh.extensions.push_back(make_empty(ExtensionType::SessionTicket));
    if (!neg.alpn.empty()) {
        const std::vector<std::string> one{neg.alpn};
        auto a = make_alpn(one);
        if (!a) return fail(a.error());
        sh.extensions.push_back(std::move(*a));
    }
    if (!sess && suite->kx != crypto::TlsKeyExchange::Rsa &&
        ch.find(ExtensionType::EcPointFormats) != nullptr) {
        // RFC 8422 §5.2: uncompressed points.
        sh.extensions.push_back(Extension{static_cast<std::uint16_t>(ExtensionType::EcPointFormats), {1, 0}});
    }
    auto body = build_server_hello(sh);
    if (!body) return fail(body.error());
    auto msg = build_handshake(HandshakeType::ServerHello, *body);
    if (!msg) return fail(msg.error());
    if (auto s = start_transcript(suite->prf_hash); !s) return s;
    if (auto s = add_transcript(m.encoded); !s) return s;
    if (auto s = add_transcript(*msg); !s) return s;
    if (auto s = send_handshake(*msg); !s) return s;

    if (sess) {
        master_secret = std::move(sess->secret);
        keylog(static_cast<int>(packet::TlsSecretLabel::ClientRandom), master_secret);
        neg.peer_subject =
            sess->peer_subject.empty() ? subject_of(sess->peer_certificates) : sess->peer_subject;
        resumed12 = std::move(sess);
        keep_raw = false;
        if (auto s = derive_keys12(); !s) return s;
        if (send_ticket12) {
            if (auto s = server12_send_ticket(); !s) return s;
        }
        if (auto s = send_ccs12(); !s) return s;
        if (auto s = send_finished12(); !s) return s;
        state = HandshakeState::WaitChangeCipherSpec;
        return {};
    }
    neg.group = suite->kx == crypto::TlsKeyExchange::Rsa ? 0 : group;
    return server12_send_full_flight(ext);
}

Status Connection::Impl::server12_send_full_flight(const ClientHelloExtensions& ext) {
    (void)ext;
    // Phase 2: Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone.
    Certificate12 cert;
    auto der = chain_der(cfg->certificate_chain);
    if (!der) return fail(der.error());
    cert.certificates = std::move(*der);
    auto cb = build_certificate12(cert);
    if (!cb) return fail(cb.error());
    auto cm = build_handshake(HandshakeType::Certificate, *cb);
    if (!cm) return fail(cm.error());
    if (auto s = add_transcript(*cm); !s) return s;
    if (auto s = send_handshake(*cm); !s) return s;

    if (suite->kx != crypto::TlsKeyExchange::Rsa) {
        const auto dg = dh_group_for(neg.group);
        if (!dg) return fail(Error::InternalError);
        auto kx = crypto::KeyExchange::generate(*dg, rng);
        if (!kx) return fail(Error::Crypto);
        ServerKeyExchangeEcdhe ske;
        ske.group = neg.group;
        ske.public_key = kx->public_value(crypto::Encoding::Tls);
        ske.signature_scheme = sig_scheme12;
        // RFC 8422 §5.4: signed over client_random | server_random | ServerECDHParams.
        auto signed_data = server_key_exchange_signed_data(client_random, server_random, ske);
        if (!signed_data) return fail(signed_data.error());
        const auto* row = crypto::find_signature_scheme(sig_scheme12);
        if (row == nullptr) return fail(Error::InternalError);
        auto sig = crypto::sign(*cfg->private_key, row->alg, *signed_data);
        if (!sig) return fail(Error::Crypto);
        ske.signature = std::move(*sig);
        auto body = build_server_key_exchange_ecdhe(ske);
        if (!body) return fail(body.error());
        auto msg = build_handshake(HandshakeType::ServerKeyExchange, *body);
        if (!msg) return fail(msg.error());
        if (auto s = add_transcript(*msg); !s) return s;
        if (auto s = send_handshake(*msg); !s) return s;
        ecdhe.emplace(std::move(*kx));
        neg.signature_scheme = sig_scheme12;
    }
    if (cfg->verify != VerifyMode::None) {
        // RFC 5246 §7.4.4; no certificate_authorities list (any CA the trust store knows).
        // ecdsa_sign also covers Ed25519 certificates (RFC 8422 §5.5), and the
        // list is exactly what server12_on_certificate_verify accepts (§7.4.8).
        CertificateRequest12 cr;
        cr.certificate_types = {kCertTypeRsaSign, kCertTypeEcdsaSign};
        for (auto sch : cfg->signature_schemes) {
            if (crypto::find_signature_scheme(sch) != nullptr) cr.signature_algorithms.push_back(sch);
        }
        auto body = build_certificate_request12(cr);
        if (!body) return fail(body.error());
        auto msg = build_handshake(HandshakeType::CertificateRequest, *body);
        if (!msg) return fail(msg.error());
        if (auto s = add_transcript(*msg); !s) return s;
        if (auto s = send_handshake(*msg); !s) return s;
        client_cert_requested = true;
    }
    auto done = build_handshake(HandshakeType::ServerHelloDone, build_server_hello_done());
    if (!done) return fail(done.error());
    if (auto s = add_transcript(*done); !s) return s;
    if (auto s = send_handshake(*done); !s) return s;
    state =
        client_cert_requested ? HandshakeState::WaitClientCertificate : HandshakeState::WaitClientKeyExchange;
    return {};
}

Status Connection::Impl::server12_on_certificate(const HandshakeMessage& m) {
    auto c = parse_certificate12(m.body());
    if (!c) return fail(c.error());
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitClientKeyExchange;
    if (c->certificates.empty()) {
        // RFC 5246 §7.4.6: no certificate where one is required: handshake_failure.
        if (cfg->verify == VerifyMode::Required) return fail(Error::HandshakeFailure);
        return {};
    }
    return accept_peer_chain(c->certificates, true, {});
}

Status Connection::Impl::server12_on_client_key_exchange(const HandshakeMessage& m) {
    core::SecretBytes premaster;
    if (suite->kx == crypto::TlsKeyExchange::Rsa) {
        auto cke = parse_client_key_exchange_rsa(m.body());
        if (!cke) return fail(cke.error());
        // RFC 5246 §7.4.7.1: any failure yields a random premaster, no error
        // (Bleichenbacher); a wrong one fails at Finished like any wrong key.
        auto pm =
            decrypt_rsa_premaster(*cfg->private_key, cke->encrypted_pre_master_secret, client_version12, rng);
        if (!pm) return fail(pm.error());
        premaster = std::move(*pm);
    } else {
        auto cke = parse_client_key_exchange_ecdhe(m.body());
        if (!cke) return fail(cke.error());
        if (!ecdhe) return fail(Error::InternalError);
        auto shared = ecdhe->derive(cke->public_key, crypto::Encoding::Tls);
        if (!shared) return fail(Error::IllegalParameter);  // RFC 8422 §5.11: an invalid point
        premaster = std::move(*shared);
        ecdhe.reset();
    }
    if (auto s = add_transcript(m.encoded); !s) return s;
    if (auto s = derive_master12(premaster); !s) return s;
    if (auto s = derive_keys12(); !s) return s;
    if (peer_key) {
        state = HandshakeState::WaitClientCertificateVerify;
        return {};
    }
    keep_raw = false;
    hs_raw.clear();
    state = HandshakeState::WaitChangeCipherSpec;
    return {};
}

Status Connection::Impl::server12_on_certificate_verify(const HandshakeMessage& m) {
    auto cv = parse_certificate_verify12(m.body());
    if (!cv) return fail(cv.error());
    // RFC 5246 §7.4.8: a scheme from the CertificateRequest that fits the key.
    const auto* row = crypto::find_signature_scheme(cv->signature_scheme);
    if (row == nullptr || !contains(cfg->signature_schemes, cv->signature_scheme) ||
        !crypto::key_fits(peer_key->type(), row->alg)) {
        return fail(Error::IllegalParameter);
    }
    if (!crypto::verify(*peer_key, row->alg, hs_raw, cv->signature)) return fail(Error::DecryptError);
    neg.signature_scheme = cv->signature_scheme;
    keep_raw = false;
    hs_raw.clear();
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitChangeCipherSpec;
    return {};
}

Status Connection::Impl::server12_on_finished(const HandshakeMessage& m) {
    if (auto s = check_finished12_msg(m); !s) return s;
    if (!neg.resumed) {
        if (cfg->sessions && !session_id.empty()) cfg->sessions->store_server(session_id, make_session12());
        if (send_ticket12) {
            if (auto s = server12_send_ticket(); !s) return s;
        }
        if (auto s = send_ccs12(); !s) return s;
        if (auto s = send_finished12(); !s) return s;
    }
    state = HandshakeState::Connected;
    return {};
}

Status Connection::Impl::server12_send_ticket() {
    Session s = make_session12();
    if (resumed12) {
        s.peer_certificates = resumed12->peer_certificates;
        s.created = resumed12->created;
    }
    s.session_id.clear();
    s.ticket_lifetime = cfg->ticket_lifetime;
    auto ticket = cfg->ticket_keys->seal(s);
    // RFC 5077 §3.3: an empty ticket when none can be issued.
    NewSessionTicket12 t{cfg->ticket_lifetime, ticket ? std::move(*ticket) : core::Bytes{}};
    auto body = build_new_session_ticket12(t);
    if (!body) return fail(body.error());
    auto msg = build_handshake(HandshakeType::NewSessionTicket, *body);
    if (!msg) return fail(msg.error());
    if (auto st = add_transcript(*msg); !st) return st;
    return send_handshake(*msg);
}

}  // namespace strata::tls
