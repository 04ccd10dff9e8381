// client13.cpp: the TLS 1.3 client handshake (RFC 8446 §2, §4).
//
//   ClientHello ->                      (<- HelloRetryRequest, ClientHello ->)
//                 <- ServerHello, {EncryptedExtensions}, {CertificateRequest},
//                    {Certificate}, {CertificateVerify}, {Finished}
//   {Certificate}, {CertificateVerify}, {Finished} ->
//                 <- [NewSessionTicket]
#include <algorithm>
#include <chrono>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "crypto/hash.hpp"
#include "packet/keylog.hpp"
#include "tls/certificate_auth.hpp"
#include "tls/connection_impl.hpp"

namespace strata::tls {

namespace {

bool is_tls13_suite(std::uint16_t id) {
    const auto* s = crypto::find_tls_cipher_suite(id);
    return s != nullptr && s->kx == crypto::TlsKeyExchange::Tls13;
}

bool contains(const std::vector<std::uint16_t>& v, std::uint16_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Extensions a server must never put in EncryptedExtensions (RFC 8446 §4.2 table).
bool forbidden_in_ee(std::uint16_t t) {
    using E = ExtensionType;
    for (E e : {E::KeyShare, E::PreSharedKey, E::SupportedVersions, E::PskKeyExchangeModes,
                E::SignatureAlgorithms, E::SignatureAlgorithmsCert, E::Cookie, E::CertificateAuthorities}) {
        if (t == static_cast<std::uint16_t>(e)) return true;
    }
    return false;
}

}  // namespace

Status Connection::Impl::client_start() {
    if (!rng.fill(client_random)) return fail(Error::Crypto);
    // TLS 1.2 CertificateVerify signs the raw messages (RFC 5246 §7.4.8).
    keep_raw = allows12();
    if (cfg->sessions) {
        // One ticket per server name, used once (RFC 8446 §C.4: no ticket reuse).
        offered_session = cfg->sessions->find_client(neg.server_name);
        if (offered_session) cfg->sessions->remove_client(neg.server_name);
        if (offered_session && offered_session->version == kTls12 && allows12() &&
            contains(cfg->cipher_suites, offered_session->cipher_suite) &&
            (offered_session->extended_master_secret || !cfg->require_extended_master_secret)) {
            offered12 = std::move(offered_session);  // RFC 5246 §7.3 / RFC 5077 §3.4
        }
        if (offered_session &&
            (offered_session->version != kTls13 || offered_session->ticket.empty() || !allows13() ||
             !contains(cfg->cipher_suites, offered_session->cipher_suite))) {
            offered_session.reset();
        }
    }
    if (offered12 && offered12->ticket.empty()) {
        session_id = offered12->session_id;  // RFC 5246 §7.4.1.2: resume by session ID
    } else if ((allows13() && cfg->middlebox_compat) || (offered12 && !offered12->ticket.empty())) {
        // RFC 8446 Appendix D.4: a non-empty legacy_session_id; RFC 5077
        // §3.4: a fresh session ID beside a ticket, echoed if it is accepted.
        session_id.resize(32);
        if (!rng.fill(session_id)) return fail(Error::Crypto);
    }
    if (allows13()) {
        const auto group = dh_group_for(cfg->groups.front());
        if (!group) return fail(Error::InternalError);
        auto share = crypto::KeyExchange::generate(*group, rng);
        if (!share) return fail(Error::Crypto);
        my_shares.emplace_back(cfg->groups.front(), std::move(*share));
    }
    auto ch = build_client_hello(false);
    if (!ch) return fail(ch.error());
    if (auto s = add_transcript(*ch); !s) return s;
    // RFC 8446 §5.1: legacy_record_version 0x0301 in an initial ClientHello.
    if (auto s = write_plaintext_records(ContentType::Handshake, kTls10, *ch, out); !s) return s;
    state = HandshakeState::WaitServerHello;
    return {};
}

Result<core::Bytes> Connection::Impl::build_client_hello(bool second) {
    ClientHello ch;
    ch.random = client_random;
    ch.legacy_session_id = session_id;
    for (auto s : cfg->cipher_suites) {
        const bool v13 = is_tls13_suite(s);
        if ((v13 && allows13()) || (!v13 && allows12() && crypto::find_tls_cipher_suite(s) != nullptr)) {
            ch.cipher_suites.push_back(s);
        }
    }
    if (ch.cipher_suites.empty()) return fail(Error::InternalError);
    auto add = [&](Result<Extension> e) -> Status {
        if (!e) return fail(e.error());
        ch.extensions.push_back(std::move(*e));
        return {};
    };
    const std::string& host = neg.server_name;
    const bool ip_literal =
        host.find(':') != std::string::npos ||
        std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    // RFC 6066 §3: literal IP addresses are not permitted in server_name.
    if (!host.empty() && !ip_literal) {
        if (auto s = add(make_server_name(host)); !s) return fail(s.error());
    }
    if (auto s = add(make_u16_list(ExtensionType::SupportedGroups, cfg->groups)); !s) return fail(s.error());
    if (auto s = add(make_u16_list(ExtensionType::SignatureAlgorithms, cfg->signature_schemes)); !s) {
        return fail(s.error());
    }
    if (allows13()) {
        // RFC 8446 §4.2.1: the versions offered, preferred first.
        const std::uint16_t both[] = {kTls13, kTls12};
        const std::span<const std::uint16_t> versions(both, allows12() ? 2 : 1);
        if (auto s = add(make_supported_versions_ch(versions)); !s) return fail(s.error());
        std::vector<KeyShareEntry> shares;
        for (const auto& [g, kx] : my_shares)
            shares.push_back(KeyShareEntry{g, kx.public_value(crypto::Encoding::Tls)});
        if (auto s = add(make_key_share_ch(shares)); !s) return fail(s.error());
    }
    if (second && !cookie.empty()) {
        if (auto s = add(make_cookie(cookie)); !s) return fail(s.error());
    }
    if (!cfg->alpn.empty()) {
        if (auto s = add(make_alpn(cfg->alpn)); !s) return fail(s.error());
    }
    if (cfg->sessions && allows13()) {
        const std::uint8_t modes[] = {kPskDheKe};
        if (auto s = add(make_psk_key_exchange_modes(modes)); !s) return fail(s.error());
    }
    if (allows12()) add_client_hello12_extensions(ch.extensions);
    if (cfg->client_hello_hook) cfg->client_hello_hook(ch.extensions);
    std::size_t binder_len = 0;
    crypto::HashAlg psk_hash = crypto::HashAlg::Sha256;
    if (offered_session) {
        // RFC 8446 §4.2.11: pre_shared_key, the last extension; binder filled in below.
        const auto* ps = crypto::find_tls_cipher_suite(offered_session->cipher_suite);
        psk_hash = ps->prf_hash;
        binder_len = crypto::digest_length(psk_hash);
        const auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall_now() -
                                                                                  offered_session->created);
        const auto obfuscated = static_cast<std::uint32_t>(static_cast<std::uint64_t>(age_ms.count()) +
                                                           offered_session->ticket_age_add);
        Extension e{static_cast<std::uint16_t>(ExtensionType::PreSharedKey), {}};
        core::Writer w(e.data);
        auto ids = w.open_length(2);
        auto id = w.open_length(2);
        w.bytes(offered_session->ticket);
        w.close_length(id);
        w.u32(obfuscated);
        w.close_length(ids);
        auto binders = w.open_length(2);
        w.u8(static_cast<std::uint8_t>(binder_len));
        w.zeros(binder_len);
        w.close_length(binders);
        if (!w.ok()) return fail(Error::InternalError);
        ch.extensions.push_back(std::move(e));
    }
    offered_extensions = offered_extension_types(ch);
    auto body = tls::build_client_hello(ch);
    if (!body) return fail(body.error());
    auto msg = build_handshake(HandshakeType::ClientHello, *body);
    if (!msg) return fail(msg.error());
    if (offered_session) {
        // RFC 8446 §4.2.11.2: the binder covers the ClientHello up to the binders list.
        const std::size_t binders_block = 2 + 1 + binder_len;
        core::ByteView truncated(msg->data(), msg->size() - binders_block);
        auto binder = compute_binder(psk_hash, offered_session->secret,
                                     second ? core::ByteView(hrr_prefix) : core::ByteView{}, truncated);
        if (!binder) return fail(binder.error());
        std::copy(binder->begin(), binder->end(), msg->end() - static_cast<std::ptrdiff_t>(binder_len));
    }
    return std::move(*msg);
}

Status Connection::Impl::client_on_server_hello(const HandshakeMessage& m) {
    auto sh = parse_server_hello(m.body());
    if (!sh) return fail(sh.error());
    auto ext = decode_server_hello_extensions(*sh, offered_extensions);
    if (!ext) return fail(ext.error());
    if (is_hello_retry_request(*sh)) {
        if (!allows13()) return fail(Error::IllegalParameter);
        return client_on_hello_retry(*sh, *ext, m);
    }
    if (!ext->selected_version) {
        // RFC 8446 §4.1.3: a TLS 1.3 client that receives a downgrade sentinel
        // while negotiating TLS 1.2 or below MUST abort with illegal_parameter.
        if (allows13() && downgrade_sentinel(sh->random) != Downgrade::None)
            return fail(Error::DowngradeDetected);
        if (allows12() && sh->legacy_version == kTls12 && !neg.hello_retry) {
            return client12_on_server_hello(*sh, *ext, m);
        }
        return fail(Error::ProtocolVersion);
    }
    if (!allows13()) return fail(Error::IllegalParameter);  // RFC 8446 §4.2.1: not offered
    if (*ext->selected_version != kTls13 || sh->legacy_version != kTls12)
        return fail(Error::IllegalParameter);
    // RFC 8446 §4.1.3: legacy_session_id_echo must match what was sent.
    if (!core::equal_public(sh->legacy_session_id_echo, session_id)) return fail(Error::IllegalParameter);
    if (!is_tls13_suite(sh->cipher_suite) || !contains(cfg->cipher_suites, sh->cipher_suite)) {
        return fail(Error::IllegalParameter);
    }
    // RFC 8446 §4.1.4: the ServerHello suite must be the HelloRetryRequest's.
    if (neg.hello_retry && suite->id != sh->cipher_suite) return fail(Error::IllegalParameter);
    suite = crypto::find_tls_cipher_suite(sh->cipher_suite);
    core::SecretBytes psk;
    if (ext->selected_identity) {
        if (!offered_session || *ext->selected_identity != 0) return fail(Error::IllegalParameter);
        const auto* ps = crypto::find_tls_cipher_suite(offered_session->cipher_suite);
        // RFC 8446 §4.2.11: the suite must match the PSK's hash.
        if (ps->prf_hash != suite->prf_hash) return fail(Error::IllegalParameter);
        psk = offered_session->secret.clone();
        neg.resumed = true;
    }
    // Only psk_dhe_ke is offered, so a key_share is required.
    if (!ext->key_share) return fail(Error::MissingExtension);
    const crypto::KeyExchange* kx = nullptr;
    for (const auto& [g, k] : my_shares) {
        if (g == ext->key_share->group) kx = &k;
    }
    if (kx == nullptr) return fail(Error::IllegalParameter);  // RFC 8446 §4.2.8
    auto shared = kx->derive(ext->key_share->key_exchange, crypto::Encoding::Tls);
    if (!shared) return fail(Error::IllegalParameter);
    if (!transcript) {
        if (auto s = start_transcript(suite->prf_hash); !s) return s;
    }
    if (auto s = add_transcript(m.encoded); !s) return s;
    keep_raw = false;
    hs_raw.clear();
    offered12.reset();
    if (auto s = derive_handshake_secrets(psk.view(), *shared); !s) return s;
    if (auto s = install_read(server_hs_secret); !s) return s;
    if (auto s = install_write(client_hs_secret); !s) return s;
    server_random = sh->random;
    neg.version = kTls13;
    neg.cipher_suite = suite->id;
    neg.group = ext->key_share->group;
    if (!neg.resumed) offered_session.reset();
    state = HandshakeState::WaitEncryptedExtensions;
    return {};
}

Status Connection::Impl::client_on_hello_retry(const ServerHello& sh, const ServerHelloExtensions& ext,
                                               const HandshakeMessage& m) {
    // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
    if (neg.hello_retry) return fail(Error::UnexpectedMessage);
    if (!ext.selected_version || *ext.selected_version != kTls13) return fail(Error::IllegalParameter);
    if (!core::equal_public(sh.legacy_session_id_echo, session_id)) return fail(Error::IllegalParameter);
    if (!is_tls13_suite(sh.cipher_suite) || !contains(cfg->cipher_suites, sh.cipher_suite)) {
        return fail(Error::IllegalParameter);
    }
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello, or that
    // names a group not offered or already shared, is illegal_parameter.
    if (!ext.selected_group && !ext.cookie) return fail(Error::IllegalParameter);
    if (ext.selected_group) {
        const std::uint16_t g = *ext.selected_group;
        if (!contains(cfg->groups, g)) return fail(Error::IllegalParameter);
        for (const auto& share : my_shares) {
            if (share.first == g) return fail(Error::IllegalParameter);
        }
        const auto dg = dh_group_for(g);
        if (!dg) return fail(Error::IllegalParameter);
        auto kx = crypto::KeyExchange::generate(*dg, rng);
        if (!kx) return fail(Error::Crypto);
        my_shares.clear();
        my_shares.emplace_back(g, std::move(*kx));
    }
    if (ext.cookie) cookie = *ext.cookie;
    suite = crypto::find_tls_cipher_suite(sh.cipher_suite);
    const core::Bytes ch1 = pending_transcript;
    if (auto s = start_transcript(suite->prf_hash); !s) return s;
    if (auto s = transcript->restart_after_hello_retry(); !s) return s;
    if (auto s = transcript->add(m.encoded); !s) return s;
    auto mh = message_hash_of(suite->prf_hash, ch1);
    if (!mh) return fail(mh.error());
    hrr_prefix = core::concat({*mh, m.encoded});
    neg.hello_retry = true;
    if (offered_session) {
        const auto* ps = crypto::find_tls_cipher_suite(offered_session->cipher_suite);
        if (ps->prf_hash != suite->prf_hash) offered_session.reset();  // RFC 8446 §4.1.4
    }
    if (auto s = send_ccs(); !s) return s;  // RFC 8446 Appendix D.4
    auto ch2 = build_client_hello(true);
    if (!ch2) return fail(ch2.error());
    if (auto s = add_transcript(*ch2); !s) return s;
    return send_handshake(*ch2);
}

Status Connection::Impl::client_on_encrypted_extensions(const HandshakeMessage& m) {
    auto ee = parse_encrypted_extensions(m.body());
    if (!ee) return fail(ee.error());
    for (const auto& e : ee->extensions) {
        if (!contains(offered_extensions, e.type)) return fail(Error::UnsupportedExtension);  // RFC 8446 §4.2
        if (forbidden_in_ee(e.type)) return fail(Error::IllegalParameter);
        if (e.type == static_cast<std::uint16_t>(ExtensionType::Alpn)) {
            // RFC 7301 §3.1: exactly one protocol, one the client offered.
            core::Reader r(e.data);
            auto list = r.prefixed16();
            if (!list || !r.empty()) return fail(Error::BadVectorLength);
            auto name = list->prefixed8();
            if (!name || !list->empty() || name->empty()) return fail(Error::IllegalParameter);
            auto v = name->take_rest();
            std::string proto(v.begin(), v.end());
            if (std::find(cfg->alpn.begin(), cfg->alpn.end(), proto) == cfg->alpn.end()) {
                return fail(Error::IllegalParameter);
            }
            neg.alpn = std::move(proto);
        }
    }
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = neg.resumed ? HandshakeState::WaitServerFinished : HandshakeState::WaitCertificateOrRequest;
    return {};
}

Status Connection::Impl::client_on_certificate_request(const HandshakeMessage& m) {
    auto cr = parse_certificate_request13(m.body());
    if (!cr) return fail(cr.error());
    // RFC 8446 §4.3.2: the context is empty during the handshake.
    if (!cr->context.empty()) return fail(Error::IllegalParameter);
    cert_requested = true;
    cert_request_context = cr->context;
    cert_request_schemes = cr->signature_algorithms;
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitCertificate;
    return {};
}

Status Connection::Impl::client_on_certificate(const HandshakeMessage& m) {
    auto c = parse_certificate13(m.body());
    if (!c) return fail(c.error());
    if (!c->context.empty()) return fail(Error::IllegalParameter);
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (c->certificates.empty()) return fail(Error::BadVectorLength);
    if (auto s = accept_peer_chain(c->certificates, cfg->verify != VerifyMode::None, neg.server_name); !s)
        return s;
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitCertificateVerify;
    return {};
}

Status Connection::Impl::client_on_certificate_verify(const HandshakeMessage& m) {
    auto cv = parse_certificate_verify13(m.body());
    if (!cv) return fail(cv.error());
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    if (auto s =
            check_certificate_verify(*peer_key, cv->scheme, cfg->signature_schemes, true, *th, cv->signature);
        !s) {
        return s;
    }
    neg.signature_scheme = cv->scheme;
    if (auto s = add_transcript(m.encoded); !s) return s;
    state = HandshakeState::WaitServerFinished;
    return {};
}

Status Connection::Impl::client_on_finished(const HandshakeMessage& m) {
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    if (auto s = check_finished(suite->prf_hash, server_hs_secret, *th, m.body()); !s) return s;
    if (auto s = add_transcript(m.encoded); !s) return s;
    if (auto s = derive_application_secrets(); !s) return s;
    if (auto s = install_read(server_ap_secret); !s) return s;
    if (auto s = send_ccs(); !s) return s;  // RFC 8446 Appendix D.4: before the second flight
    if (cert_requested) {
        // RFC 8446 §4.4.2: an empty Certificate when we have none to send.
        Certificate13 c;
        c.context = cert_request_context;
        std::optional<std::uint16_t> scheme;
        if (cfg->private_key) {
            scheme = choose_signature_scheme(*cfg->private_key, cfg->signature_schemes, cert_request_schemes,
                                             true);
        }
        if (scheme) {
            auto der = chain_der(cfg->certificate_chain);
            if (!der) return fail(der.error());
            c.certificates = std::move(*der);
        }
        auto msg = build_certificate13(c);
        if (!msg) return fail(msg.error());
        if (auto s = add_transcript(*msg); !s) return s;
        if (auto s = send_handshake(*msg); !s) return s;
        if (scheme) {
            auto h = transcript_hash();
            if (!h) return fail(h.error());
            auto sig = sign_certificate_verify(*cfg->private_key, *scheme, false, *h);
            if (!sig) return fail(sig.error());
            auto cv = build_certificate_verify13(CertificateVerify13{*scheme, std::move(*sig)});
            if (!cv) return fail(cv.error());
            if (auto s = add_transcript(*cv); !s) return s;
            if (auto s = send_handshake(*cv); !s) return s;
        }
    }
    auto h = transcript_hash();
    if (!h) return fail(h.error());
    auto vd = finished_verify_data(suite->prf_hash, client_hs_secret, *h);
    if (!vd) return fail(vd.error());
    auto fin = build_finished(*vd);
    if (!fin) return fail(fin.error());
    if (auto s = add_transcript(*fin); !s) return s;
    if (auto s = send_handshake(*fin); !s) return s;
    if (auto s = install_write(client_ap_secret); !s) return s;
    auto th2 = transcript_hash();
    if (!th2) return fail(th2.error());
    auto rms = keys->resumption_master_secret(*th2);
    if (!rms) return fail(rms.error());
    resumption_master = std::move(*rms);
    if (neg.resumed && offered_session) {
        // The session remembers the subject; parse the certificate only for a
        // session stored without one.
        neg.peer_subject = offered_session->peer_subject.empty()
                               ? subject_of(offered_session->peer_certificates)
                               : offered_session->peer_subject;
    }
    state = HandshakeState::Connected;
    return {};
}

Status Connection::Impl::client_on_new_session_ticket(const HandshakeMessage& m) {
    auto t = parse_new_session_ticket13(m.body());
    if (!t) return fail(t.error());
    if (!cfg->sessions || t->lifetime == 0) return {};
    auto psk = resumption_psk(suite->prf_hash, resumption_master, t->nonce);
    if (!psk) return fail(psk.error());
    Session s;
    s.version = kTls13;
    s.cipher_suite = suite->id;
    s.secret = std::move(*psk);
    s.peer_certificates =
        neg.resumed && offered_session ? offered_session->peer_certificates : peer_der(peer_chain);
    s.peer_subject = neg.peer_subject;
    s.alpn = neg.alpn;
    s.server_name = neg.server_name;
    s.ticket = std::move(t->ticket);
    s.ticket_lifetime = t->lifetime;
    s.ticket_age_add = t->age_add;
    s.ticket_nonce = t->nonce;
    s.created = clock.wall_now();
    cfg->sessions->store_client(neg.server_name, std::move(s));
    return {};
}

}  // namespace strata::tls
