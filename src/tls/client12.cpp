// client12.cpp: the TLS 1.2 client handshake (RFC 5246 §7.3), in the four
// phases of the full handshake, and the abbreviated one:
//
//   1  ClientHello ->                  <- ServerHello
//   2                                  <- Certificate, ServerKeyExchange,
//                                         [CertificateRequest], ServerHelloDone
//   3  [Certificate], ClientKeyExchange, [CertificateVerify] ->
//   4  ChangeCipherSpec, Finished ->   <- [NewSessionTicket], ChangeCipherSpec, Finished
//
//   abbreviated (session ID or ticket, RFC 5246 §7.3, RFC 5077 §3.1):
//      ClientHello ->                  <- ServerHello, [NewSessionTicket],
//                                         ChangeCipherSpec, Finished
//      ChangeCipherSpec, Finished ->
#include <algorithm>

#include "crypto/algorithm_table.hpp"
#include "packet/keylog.hpp"
#include "tls/certificate_auth.hpp"
#include "tls/connection_impl.hpp"
#include "tls/messages12.hpp"
#include "tls/rsa_premaster.hpp"

namespace strata::tls {

namespace {

bool contains(const std::vector<std::uint16_t>& v, std::uint16_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// key_matches_suite is true when a certificate key can serve the suite's
// key exchange (RFC 8422 §5.3, RFC 5246 §7.4.2).
bool key_matches_suite(crypto::KeyType t, crypto::TlsKeyExchange kx) {
    switch (kx) {
        case crypto::TlsKeyExchange::EcdheEcdsa:  // RFC 8422 §5.1: ECDSA or EdDSA (Ed25519) certificates
            return t == crypto::KeyType::EcP256 || t == crypto::KeyType::EcP384 ||
                   t == crypto::KeyType::Ed25519;
        case crypto::TlsKeyExchange::EcdheRsa:
        case crypto::TlsKeyExchange::Rsa: return t == crypto::KeyType::Rsa;
        default: return false;
    }
}

}  // namespace

void Connection::Impl::add_client_hello12_extensions(std::vector<Extension>& exts) {
    bool any_cbc = false;
    for (auto id : cfg->cipher_suites) {
        const auto* row = crypto::find_tls_cipher_suite(id);
        if (row != nullptr && row->kx != crypto::TlsKeyExchange::Tls13 && !row->aead) any_cbc = true;
    }
    // RFC 8422 §5.1.2: uncompressed points only.
    exts.push_back(Extension{static_cast<std::uint16_t>(ExtensionType::EcPointFormats), {1, 0}});
    exts.push_back(make_empty(ExtensionType::ExtendedMasterSecret));         // RFC 7627 §5.1
    if (any_cbc) exts.push_back(make_empty(ExtensionType::EncryptThenMac));  // RFC 7366 §2
    if (cfg->sessions) {
        // RFC 5077 §3.2: an empty extension asks for a ticket; a ticket resumes.
        Extension t = make_empty(ExtensionType::SessionTicket);
        if (offered12) t.data = offered12->ticket;
        exts.push_back(std::move(t));
    }
    // RFC 5746 §3.4: renegotiation_info with an empty renegotiated_connection.
    auto ri = make_renegotiation_info({});
    if (ri) exts.push_back(std::move(*ri));
}

Status Connection::Impl::client12_on_server_hello(const ServerHello& sh, const ServerHelloExtensions& ext,
                                                  const HandshakeMessage& m) {
    const auto* row = crypto::find_tls_cipher_suite(sh.cipher_suite);
    // RFC 5246 §7.4.1.3: a suite the client offered, for this version.
    if (row == nullptr || row->kx == crypto::TlsKeyExchange::Tls13 ||
        !contains(cfg->cipher_suites, row->id)) {
        return fail(Error::IllegalParameter);
    }
    // RFC 5746 §3.4: renegotiation_info must be present and empty on an
    // initial handshake (Strata refuses servers without secure renegotiation).
    if (!ext.renegotiation_info || !ext.renegotiation_info->empty()) return fail(Error::HandshakeFailure);
    suite = row;
    tls12 = true;
    neg.version = kTls12;
    neg.cipher_suite = row->id;
    neg.extended_master_secret = ext.extended_master_secret;
    // RFC 7366 §3: encrypt-then-MAC applies to CBC suites only.
    neg.encrypt_then_mac = ext.encrypt_then_mac && !row->aead;
    server_random = sh.random;
    secure_renegotiation = true;
    ticket_expected = ext.session_ticket;
    if (ext.alpn) {
        if (std::find(cfg->alpn.begin(), cfg->alpn.end(), *ext.alpn) == cfg->alpn.end()) {
            return fail(Error::IllegalParameter);  // RFC 7301 §3.1
        }
        neg.alpn = *ext.alpn;
    }
    // The TLS 1.3 parts of the hello are of no further use.
    my_shares.clear();
    offered_session.reset();
    const bool echo = !session_id.empty() && core::equal_public(sh.legacy_session_id_echo, session_id);
    if (echo && offered12) {
        // Abbreviated handshake (RFC 5246 §7.3): the session's suite, and its
        // extended master secret either way (RFC 7627 §5.3).
        if (row->id != offered12->cipher_suite) return fail(Error::IllegalParameter);
        if (offered12->extended_master_secret != ext.extended_master_secret)
            return fail(Error::HandshakeFailure);
        neg.resumed = true;
    } else if (echo) {
        return fail(Error::IllegalParameter);  // a session we never offered
    } else {
        offered12.reset();
    }
    if (!ext.extended_master_secret && cfg->require_extended_master_secret) {
        return fail(Error::HandshakeFailure);  // RFC 7627 §5.2: required by default
    }
    session_id = sh.legacy_session_id_echo;
    if (auto s = start_transcript(suite->prf_hash); !s) return s;
    if (auto s = add_transcript(m.encoded); !s) return s;
    if (neg.resumed) {
        master_secret = offered12->secret.clone();
        keylog(static_cast<int>(packet::TlsSecretLabel::ClientRandom), master_secret);
        neg.peer_subject = offered12->peer_subject.empty() ? subject_of(offered12->peer_certificates)
                                                           : offered12->peer_subject;
        if (auto s = derive_keys12(); !s) return s;
        state = ticket_expected ? HandshakeState::WaitNewSessionTicket : HandshakeState::WaitChangeCipherSpec;
        return {};
    }
    state = HandshakeState::WaitCertificate;
    return {};
}

Status Connection::Impl::client12_on_certificate(const HandshakeMessage& m) {
    auto c = parse_certificate12(m.body());
    if (!c) return fail(c.error());
    // RFC 5246 §7.4.2: the server sends its certificate for every suite offered here.
    if (c->certificates.empty()) return fail(Error::BadCertificate);
    if (auto s = accept_peer_chain(c->certificates, cfg->verify != VerifyMode::None, neg.server_name); !s)
        return s;
    if (!key_matches_suite(peer_key->type(), suite->kx)) return fail(Error::UnsupportedCertificate);
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = suite->kx == crypto::TlsKeyExchange::Rsa ? HandshakeState::WaitServerHelloDone
                                                     : HandshakeState::WaitServerKeyExchange;
    return {};
}

Status Connection::Impl::client12_on_server_key_exchange(const HandshakeMessage& m) {
    auto ske = parse_server_key_exchange_ecdhe(m.body());
    if (!ske) return fail(ske.error());
    // RFC 8422 §5.4: a curve and a signature algorithm the client offered.
    if (!contains(cfg->groups, ske->group)) return fail(Error::IllegalParameter);
    const auto* sig = crypto::find_signature_scheme(ske->signature_scheme);
    if (sig == nullptr || !contains(cfg->signature_schemes, ske->signature_scheme) ||
        !crypto::key_fits(peer_key->type(), sig->alg)) {
        return fail(Error::IllegalParameter);
    }
    auto signed_data = server_key_exchange_signed_data(client_random, server_random, *ske);
    if (!signed_data) return fail(signed_data.error());
    if (!crypto::verify(*peer_key, sig->alg, *signed_data, ske->signature)) return fail(Error::DecryptError);
    const auto dg = dh_group_for(ske->group);
    if (!dg) return fail(Error::IllegalParameter);
    auto kx = crypto::KeyExchange::generate(*dg, rng);
    if (!kx) return fail(Error::Crypto);
    auto shared = kx->derive(ske->public_key, crypto::Encoding::Tls);
    if (!shared) return fail(Error::IllegalParameter);  // RFC 8422 §5.11: an invalid point
    ecdhe.emplace(std::move(*kx));
    premaster12 = std::move(*shared);
    neg.group = ske->group;
    neg.signature_scheme = ske->signature_scheme;
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitServerHelloDone;
    return {};
}

Status Connection::Impl::client12_on_certificate_request(const HandshakeMessage& m) {
    auto cr = parse_certificate_request12(m.body());
    if (!cr) return fail(cr.error());
    cert_requested = true;
    cert_request_schemes = cr->signature_algorithms;
    return add_transcript(m.encoded);
}

Status Connection::Impl::client12_on_server_hello_done(const HandshakeMessage& m) {
    if (auto s = parse_server_hello_done(m.body()); !s) return s;
    if (auto s = add_transcript(m.encoded); !s) return s;
    // Phase 3: [Certificate], ClientKeyExchange, [CertificateVerify].
    std::optional<std::uint16_t> scheme;
    if (cert_requested) {
        if (cfg->private_key) {
            scheme = choose_signature_scheme(*cfg->private_key, cfg->signature_schemes, cert_request_schemes,
                                             false);
        }
        // RFC 5246 §7.4.6: an empty Certificate when there is none to send.
        Certificate12 c;
        if (scheme) {
            auto der = chain_der(cfg->certificate_chain);
            if (!der) return fail(der.error());
            c.certificates = std::move(*der);
        }
        auto body = build_certificate12(c);
        if (!body) return fail(body.error());
        auto msg = build_handshake(HandshakeType::Certificate, *body);
        if (!msg) return fail(msg.error());
        if (auto s = add_transcript(*msg); !s) return s;
        if (auto s = send_handshake(*msg); !s) return s;
    }
    core::SecretBytes premaster;
    core::Bytes cke_body;
    if (suite->kx == crypto::TlsKeyExchange::Rsa) {
        // RFC 5246 §7.4.7.1: the premaster carries the version offered in ClientHello.
        auto pm = make_rsa_premaster(*peer_key, client_version12, rng);
        if (!pm) return fail(pm.error());
        premaster = std::move(pm->premaster);
        auto b =
            build_client_key_exchange_rsa(ClientKeyExchangeRsa{std::move(pm->encrypted_pre_master_secret)});
        if (!b) return fail(b.error());
        cke_body = std::move(*b);
    } else {
        if (!ecdhe) return fail(Error::InternalError);
        premaster = std::move(premaster12);
        auto b = build_client_key_exchange_ecdhe(
            ClientKeyExchangeEcdhe{ecdhe->public_value(crypto::Encoding::Tls)});
        if (!b) return fail(b.error());
        cke_body = std::move(*b);
        ecdhe.reset();
    }
    auto cke = build_handshake(HandshakeType::ClientKeyExchange, cke_body);
    if (!cke) return fail(cke.error());
    if (auto s = add_transcript(*cke); !s) return s;
    if (auto s = send_handshake(*cke); !s) return s;
    if (auto s = derive_master12(premaster); !s) return s;
    if (scheme) {
        // RFC 5246 §7.4.8: the signature covers every handshake message so far.
        const auto* row = crypto::find_signature_scheme(*scheme);
        if (row == nullptr) return fail(Error::InternalError);
        auto sig = crypto::sign(*cfg->private_key, row->alg, hs_raw);
        if (!sig) return fail(Error::Crypto);
        auto body = build_certificate_verify12(CertificateVerify12{*scheme, std::move(*sig)});
        if (!body) return fail(body.error());
        auto cv = build_handshake(HandshakeType::CertificateVerify, *body);
        if (!cv) return fail(cv.error());
        if (auto s = add_transcript(*cv); !s) return s;
        if (auto s = send_handshake(*cv); !s) return s;
    }
    keep_raw = false;
    hs_raw.clear();
    // Phase 4: ChangeCipherSpec, Finished.
    if (auto s = derive_keys12(); !s) return s;
    if (auto s = send_ccs12(); !s) return s;
    if (auto s = send_finished12(); !s) return s;
    state = ticket_expected ? HandshakeState::WaitNewSessionTicket : HandshakeState::WaitChangeCipherSpec;
    return {};
}

Status Connection::Impl::client12_on_new_session_ticket(const HandshakeMessage& m) {
    auto t = parse_new_session_ticket12(m.body());
    if (!t) return fail(t.error());
    // RFC 5077 §3.3: an empty ticket means the server will not issue one now.
    new_ticket12 = std::move(t->ticket);
    new_ticket_lifetime = t->ticket_lifetime_hint;
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitChangeCipherSpec;
    return {};
}

Status Connection::Impl::client12_on_finished(const HandshakeMessage& m) {
    if (auto s = check_finished12_msg(m); !s) return s;
    if (neg.resumed) {
        keep_raw = false;
        hs_raw.clear();
        if (auto s = send_ccs12(); !s) return s;
        if (auto s = send_finished12(); !s) return s;
    }
    if (cfg->sessions) {
        Session s = make_session12();
        if (neg.resumed && offered12) {
            s.peer_certificates = offered12->peer_certificates;
            s.created = offered12->created;
            s.ticket = offered12->ticket;
            s.ticket_lifetime = offered12->ticket_lifetime;
        }
        if (!new_ticket12.empty()) {
            s.ticket = std::move(new_ticket12);
            s.ticket_lifetime = new_ticket_lifetime;
        }
        if (!s.session_id.empty() || !s.ticket.empty())
            cfg->sessions->store_client(neg.server_name, std::move(s));
    }
    state = HandshakeState::Connected;
    return {};
}

}  // namespace strata::tls
