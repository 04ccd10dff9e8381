// tls12_common.cpp: what both TLS 1.2 roles share (RFC 5246 §7.3): the
// message dispatch by state, the real change_cipher_spec, the master secret
// and key block, Finished, the session kept for resumption, and the refusal
// of renegotiation (RFC 5746 §4, RFC 5246 §7.2.2).
#include "packet/keylog.hpp"
#include "tls/connection_impl.hpp"
#include "tls/messages12.hpp"

namespace strata::tls {

Status Connection::Impl::handle_handshake12(const HandshakeMessage& m) {
    using S = HandshakeState;
    using T = HandshakeType;
    const auto unexpected = [] { return Status(fail(Error::UnexpectedMessage)); };
    if (state == S::Connected) return handle_post_handshake12(m);
    if (role == Role::Client) {
        // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored
        // (and is not part of the transcript).
        if (m.type == T::HelloRequest && m.body().empty()) return {};
        switch (state) {
            case S::WaitCertificate:
                return m.type == T::Certificate ? client12_on_certificate(m) : unexpected();
            case S::WaitServerKeyExchange:
                return m.type == T::ServerKeyExchange ? client12_on_server_key_exchange(m) : unexpected();
            case S::WaitServerHelloDone:
                if (m.type == T::CertificateRequest && !cert_requested)
                    return client12_on_certificate_request(m);
                return m.type == T::ServerHelloDone ? client12_on_server_hello_done(m) : unexpected();
            case S::WaitNewSessionTicket:
                return m.type == T::NewSessionTicket ? client12_on_new_session_ticket(m) : unexpected();
            case S::WaitServerFinished: return m.type == T::Finished ? client12_on_finished(m) : unexpected();
            default: return unexpected();
        }
    }
    switch (state) {
        case S::WaitClientCertificate:
            return m.type == T::Certificate ? server12_on_certificate(m) : unexpected();
        case S::WaitClientKeyExchange:
            return m.type == T::ClientKeyExchange ? server12_on_client_key_exchange(m) : unexpected();
        case S::WaitClientCertificateVerify:
            return m.type == T::CertificateVerify ? server12_on_certificate_verify(m) : unexpected();
        case S::WaitClientFinished: return m.type == T::Finished ? server12_on_finished(m) : unexpected();
        default: return unexpected();
    }
}

Status Connection::Impl::handle_ccs12(const Record& rec) {
    // RFC 5246 §7.1: change_cipher_spec is one byte 0x01, sent exactly where
    // the handshake says; it switches the read side to the pending keys. A
    // handshake message must not straddle it.
    if (state != HandshakeState::WaitChangeCipherSpec || !pending_read) return fail(Error::UnexpectedMessage);
    if (rec.fragment.size() != 1 || rec.fragment[0] != 1) return fail(Error::UnexpectedMessage);
    if (!reassembler.empty()) return fail(Error::UnexpectedMessage);
    read_prot.emplace(std::move(*pending_read));
    pending_read.reset();
    reader.set_max_fragment(kMaxTls12CiphertextLength);
    state = role == Role::Client ? HandshakeState::WaitServerFinished : HandshakeState::WaitClientFinished;
    return {};
}

Status Connection::Impl::handle_post_handshake12(const HandshakeMessage& m) {
    // RFC 5746 §4.2 / §4.4 and RFC 5246 §7.2.2: renegotiation is refused with
    // a no_renegotiation warning; the connection goes on under its keys (the
    // peer decides whether to close).
    const bool attempt = (role == Role::Client && m.type == HandshakeType::HelloRequest) ||
                         (role == Role::Server && m.type == HandshakeType::ClientHello);
    if (!attempt) return fail(Error::UnexpectedMessage);
    if (!local_closed) send_alert(Alert{AlertLevel::Warning, AlertDescription::NoRenegotiation});
    return {};
}

Status Connection::Impl::send_ccs12() {
    const std::uint8_t one = 1;
    if (auto s = write_plaintext_records(ContentType::ChangeCipherSpec, kTls12, core::ByteView(&one, 1), out);
        !s) {
        return s;
    }
    if (!pending_write) return fail(Error::InternalError);
    write_prot.emplace(std::move(*pending_write));
    pending_write.reset();
    return {};
}

Status Connection::Impl::derive_master12(core::ByteView premaster) {
    Result<core::SecretBytes> ms = fail(Error::InternalError);
    if (neg.extended_master_secret) {
        // RFC 7627 §4: session_hash = Hash(ClientHello .. ClientKeyExchange).
        auto sh = transcript_hash();
        if (!sh) return fail(sh.error());
        ms = extended_master_secret12(suite->prf_hash, premaster, *sh);
    } else {
        ms = master_secret12(suite->prf_hash, premaster, client_random, server_random);  // RFC 5246 §8.1
    }
    if (!ms) return fail(ms.error());
    master_secret = std::move(*ms);
    keylog(static_cast<int>(packet::TlsSecretLabel::ClientRandom), master_secret);
    return {};
}

Status Connection::Impl::derive_keys12() {
    auto kb = key_block12(*suite, master_secret, client_random, server_random);  // RFC 5246 §6.3
    if (!kb) return fail(kb.error());
    const bool client = role == Role::Client;
    auto make = [&](bool client_side) -> Result<RecordProtection> {
        const auto& key = client_side ? kb->client_key : kb->server_key;
        if (suite->aead) {
            return RecordProtection::tls12_aead(suite->aead_alg, key,
                                                client_side ? kb->client_iv : kb->server_iv);
        }
        return RecordProtection::tls12_cbc(suite->cipher_alg, suite->mac, key,
                                           client_side ? kb->client_mac_key : kb->server_mac_key,
                                           neg.encrypt_then_mac, rng);
    };
    auto w = make(client);
    auto r = make(!client);
    if (!w) return fail(w.error());
    if (!r) return fail(r.error());
    pending_write.emplace(std::move(*w));
    pending_read.emplace(std::move(*r));
    return {};
}

Status Connection::Impl::send_finished12() {
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    const auto sender = role == Role::Client ? FinishedSender::Client : FinishedSender::Server;
    auto vd = finished_verify_data12(suite->prf_hash, master_secret, sender, *th);  // RFC 5246 §7.4.9
    if (!vd) return fail(vd.error());
    auto fin = build_handshake(HandshakeType::Finished, *vd);
    if (!fin) return fail(fin.error());
    if (auto s = add_transcript(*fin); !s) return s;
    return send_handshake(*fin);
}

Status Connection::Impl::check_finished12_msg(const HandshakeMessage& m) {
    auto vd = parse_finished(m.body(), kTls12VerifyDataLength);
    if (!vd) return fail(vd.error());
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    const auto sender = role == Role::Client ? FinishedSender::Server : FinishedSender::Client;
    // RFC 5246 §7.4.9: a wrong verify_data is decrypt_error (constant-time compare).
    if (auto s = check_finished12(suite->prf_hash, master_secret, sender, *th, *vd); !s) return s;
    return add_transcript(m.encoded);
}

Session Connection::Impl::make_session12() const {
    Session s;
    s.version = kTls12;
    s.cipher_suite = suite->id;
    s.secret = master_secret.clone();
    s.extended_master_secret = neg.extended_master_secret;
    s.peer_certificates = peer_der(peer_chain);
    s.peer_subject = neg.peer_subject;
    s.alpn = neg.alpn;
    s.server_name = neg.server_name;
    s.session_id = session_id;
    s.created = clock.wall_now();
    return s;
}

}  // namespace strata::tls
