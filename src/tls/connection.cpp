// connection.cpp: tls::Connection's public face and its record plumbing:
// records in, alerts, change_cipher_spec, application data, handshake
// messages dispatched by state, records out, and sticky failure.
#include "tls/connection.hpp"

#include <utility>

#include "packet/keylog.hpp"
#include "tls/connection_impl.hpp"

namespace strata::tls {

std::string_view to_string(HandshakeState s) noexcept {
    switch (s) {
        case HandshakeState::Start: return "start";
        case HandshakeState::WaitServerHello: return "wait_server_hello";
        case HandshakeState::WaitEncryptedExtensions: return "wait_encrypted_extensions";
        case HandshakeState::WaitCertificateOrRequest: return "wait_certificate_or_request";
        case HandshakeState::WaitCertificate: return "wait_certificate";
        case HandshakeState::WaitCertificateVerify: return "wait_certificate_verify";
        case HandshakeState::WaitServerFinished: return "wait_server_finished";
        case HandshakeState::WaitClientHello: return "wait_client_hello";
        case HandshakeState::WaitClientCertificate: return "wait_client_certificate";
        case HandshakeState::WaitClientCertificateVerify: return "wait_client_certificate_verify";
        case HandshakeState::WaitClientFinished: return "wait_client_finished";
        case HandshakeState::WaitServerKeyExchange: return "wait_server_key_exchange";
        case HandshakeState::WaitServerHelloDone: return "wait_server_hello_done";
        case HandshakeState::WaitClientKeyExchange: return "wait_client_key_exchange";
        case HandshakeState::WaitNewSessionTicket: return "wait_new_session_ticket";
        case HandshakeState::WaitChangeCipherSpec: return "wait_change_cipher_spec";
        case HandshakeState::Connected: return "connected";
        case HandshakeState::Closed: return "closed";
        case HandshakeState::Failed: return "failed";
    }
    return "unknown";
}

std::optional<crypto::DhGroup> dh_group_for(std::uint16_t named_group) noexcept {
    switch (named_group) {
        case kGroupX25519: return crypto::DhGroup::X25519;
        case kGroupSecp256r1: return crypto::DhGroup::Ecp256;
        case kGroupSecp384r1: return crypto::DhGroup::Ecp384;
        default: return std::nullopt;
    }
}

Result<core::Bytes> compute_binder(crypto::HashAlg hash, core::ByteView psk, core::ByteView prefix,
                                   core::ByteView truncated_client_hello) {
    auto ks = KeySchedule::create(hash, psk);
    if (!ks) return fail(ks.error());
    auto bk = ks->binder_key(true);
    if (!bk) return fail(bk.error());
    auto th = crypto::digest(hash, core::concat({prefix, truncated_client_hello}));
    if (!th) return fail(Error::Crypto);
    return finished_verify_data(hash, *bk, *th);
}

Result<core::Bytes> message_hash_of(crypto::HashAlg hash, core::ByteView client_hello1) {
    auto h = crypto::digest(hash, client_hello1);
    if (!h) return fail(Error::Crypto);
    return build_handshake(HandshakeType::MessageHash, *h);
}

std::string subject_of(const std::vector<core::Bytes>& der_chain) {
    if (der_chain.empty()) return {};
    auto c = crypto::Certificate::from_der(der_chain.front());
    return c ? c->subject() : std::string{};
}

std::vector<core::Bytes> peer_der(const std::optional<PeerChain>& chain) {
    std::vector<core::Bytes> out;
    if (!chain) return out;
    for (const auto& c : chain->certificates) {
        auto d = c.to_der();
        if (d) out.push_back(std::move(*d));
    }
    return out;
}

Result<std::vector<core::Bytes>> chain_der(std::span<const crypto::Certificate> chain) {
    std::vector<core::Bytes> out;
    out.reserve(chain.size());
    for (const auto& c : chain) {
        auto d = c.to_der();
        if (!d) return fail(Error::Crypto);
        out.push_back(std::move(*d));
    }
    return out;
}

// ---------------------------------------------------------------- plumbing

Status Connection::Impl::accept_peer_chain(std::span<const core::Bytes> der, bool verify,
                                           std::string_view name) {
    if (der.empty()) return fail(Error::BadCertificate);
    auto chain = decode_chain(der);
    if (!chain) return fail(chain.error());
    if (verify) {
        if (auto s = verify_chain(*chain, *cfg->trust_store, clock.wall_now(), name); !s) return s;
    }
    auto key = chain->certificates.front().public_key();
    if (!key) return fail(Error::BadCertificate);
    peer_key = std::move(*key);
    neg.peer_subject = chain->certificates.front().subject();
    peer_chain = std::move(*chain);
    return {};
}

Status Connection::Impl::fail_with(Error e) {
    if (error) return fail(*error);
    error = e;
    state = HandshakeState::Failed;
    if (e != Error::PeerAlert && e != Error::Closed) {
        // RFC 8446 §6.2: a fatal alert, then close; a failed connection stays failed.
        const Alert a = fatal_alert(e);
        sent_alert = a;
        send_alert(a);
    }
    return fail(e);
}

void Connection::Impl::send_alert(Alert a) {
    const core::Bytes body = build_alert(a);
    if (write_prot) {
        if (!write_prot->seal(ContentType::Alert, body, out)) return;  // nothing more can be sent
    } else {
        (void)write_plaintext_records(ContentType::Alert, kTls12, body, out);
    }
}

Status Connection::Impl::send_handshake(core::ByteView encoded) {
    if (write_prot) {
        if (auto s = write_prot->seal_all(ContentType::Handshake, encoded, out); !s) return s;
        return {};
    }
    return write_plaintext_records(ContentType::Handshake, kTls12, encoded, out);
}

Status Connection::Impl::send_ccs() {
    // RFC 8446 Appendix D.4: one dummy change_cipher_spec, at most once.
    if (ccs_sent || !cfg->middlebox_compat) return {};
    ccs_sent = true;
    const std::uint8_t one = 1;
    return write_plaintext_records(ContentType::ChangeCipherSpec, kTls12, core::ByteView(&one, 1), out);
}

Status Connection::Impl::start_transcript(crypto::HashAlg hash) {
    auto t = Transcript::create(hash);
    if (!t) return fail(t.error());
    transcript.emplace(std::move(*t));
    if (!pending_transcript.empty()) {
        if (auto s = transcript->add(pending_transcript); !s) return s;
        pending_transcript.clear();
    }
    return {};
}

Status Connection::Impl::add_transcript(core::ByteView encoded) {
    if (keep_raw) hs_raw.insert(hs_raw.end(), encoded.begin(), encoded.end());
    if (transcript) return transcript->add(encoded);
    pending_transcript.insert(pending_transcript.end(), encoded.begin(), encoded.end());
    return {};
}

Result<core::Bytes> Connection::Impl::transcript_hash() const {
    if (!transcript) return fail(Error::InternalError);
    return transcript->hash();
}

void Connection::Impl::keylog(int label, core::ByteView secret) const {
    if (!cfg->keylog) return;
    auto line = packet::nss_keylog_line(static_cast<packet::TlsSecretLabel>(label), client_random, secret);
    if (line) cfg->keylog->log(*line);
}

Status Connection::Impl::derive_handshake_secrets(core::ByteView psk, core::ByteView dhe) {
    auto ks = KeySchedule::create(suite->prf_hash, psk);
    if (!ks) return fail(ks.error());
    keys.emplace(std::move(*ks));
    if (auto s = keys->enter_handshake(dhe); !s) return s;
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    auto c = keys->client_handshake_traffic_secret(*th);
    auto sv = keys->server_handshake_traffic_secret(*th);
    if (!c || !sv) return fail(Error::Crypto);
    client_hs_secret = std::move(*c);
    server_hs_secret = std::move(*sv);
    keylog(static_cast<int>(packet::TlsSecretLabel::ClientHandshakeTrafficSecret), client_hs_secret);
    keylog(static_cast<int>(packet::TlsSecretLabel::ServerHandshakeTrafficSecret), server_hs_secret);
    return {};
}

Status Connection::Impl::install_read(core::ByteView secret) {
    // RFC 8446 §5.1: handshake messages MUST NOT span a key change.
    if (!reassembler.empty()) return fail(Error::UnexpectedMessage);
    auto k = traffic_keys(suite->prf_hash, suite->aead_alg, secret);
    if (!k) return fail(k.error());
    auto p = RecordProtection::tls13(suite->aead_alg, k->key, k->iv);
    if (!p) return fail(p.error());
    read_prot.emplace(std::move(*p));
    reader.set_max_fragment(kMaxTls13CiphertextLength);
    return {};
}

Status Connection::Impl::install_write(core::ByteView secret) {
    auto k = traffic_keys(suite->prf_hash, suite->aead_alg, secret);
    if (!k) return fail(k.error());
    auto p = RecordProtection::tls13(suite->aead_alg, k->key, k->iv);
    if (!p) return fail(p.error());
    write_prot.emplace(std::move(*p));
    return {};
}

Status Connection::Impl::derive_application_secrets() {
    // RFC 8446 §7.1: the application secrets use Hash(ClientHello..server Finished).
    if (auto s = keys->enter_master(); !s) return s;
    auto th = transcript_hash();
    if (!th) return fail(th.error());
    auto c = keys->client_application_traffic_secret(*th);
    auto sv = keys->server_application_traffic_secret(*th);
    auto ex = keys->exporter_master_secret(*th);
    if (!c || !sv || !ex) return fail(Error::Crypto);
    client_ap_secret = std::move(*c);
    server_ap_secret = std::move(*sv);
    keylog(static_cast<int>(packet::TlsSecretLabel::ClientTrafficSecret0), client_ap_secret);
    keylog(static_cast<int>(packet::TlsSecretLabel::ServerTrafficSecret0), server_ap_secret);
    keylog(static_cast<int>(packet::TlsSecretLabel::ExporterSecret), *ex);
    return {};
}

Status Connection::Impl::key_update_write() {
    core::SecretBytes& mine = role == Role::Client ? client_ap_secret : server_ap_secret;
    auto next = next_traffic_secret(suite->prf_hash, mine);  // RFC 8446 §7.2
    if (!next) return fail(next.error());
    mine = std::move(*next);
    return install_write(mine);
}

Status Connection::Impl::key_update_read() {
    core::SecretBytes& theirs = role == Role::Client ? server_ap_secret : client_ap_secret;
    auto next = next_traffic_secret(suite->prf_hash, theirs);
    if (!next) return fail(next.error());
    theirs = std::move(*next);
    return install_read(theirs);
}

Status Connection::Impl::process_records() {
    for (;;) {
        if (error || peer_closed) return {};
        auto o = reader.next();
        if (!o) return fail_with(o.error());
        if (!o->complete()) return {};
        if (auto s = handle_record(o->record); !s) return fail_with(s.error());
    }
}

Status Connection::Impl::handle_record(Record& rec) {
    if (rec.type == ContentType::ChangeCipherSpec && tls12) return handle_ccs12(rec);
    if (rec.type == ContentType::ChangeCipherSpec) {
        // RFC 8446 §5: a change_cipher_spec of the single byte 0x01 received
        // after the first ClientHello and before the peer's Finished is
        // dropped; any other is unexpected_message.
        const bool handshaking = state != HandshakeState::Start && state != HandshakeState::Connected &&
                                 state != HandshakeState::Closed;
        if (!handshaking || rec.fragment.size() != 1 || rec.fragment[0] != 1) {
            return fail(Error::UnexpectedMessage);
        }
        return {};
    }
    // A plaintext alert is still read after TLS 1.3 keys are installed: a
    // peer that failed before deriving keys can send nothing else. TLS 1.2
    // protects alerts under the current keys like any record (RFC 5246 §6.2).
    if (read_prot && (tls12 || rec.type != ContentType::Alert)) {
        if (auto s = read_prot->open(rec); !s) return s;
    } else if (!read_prot && rec.type == ContentType::ApplicationData) {
        return fail(Error::UnexpectedMessage);
    }
    switch (rec.type) {
        case ContentType::Alert: {
            auto a = parse_alert(rec.fragment);
            if (!a) return fail(a.error());
            if (a->description == AlertDescription::CloseNotify) {
                peer_closed = true;  // RFC 8446 §6.1: ignore anything after it
                if (state != HandshakeState::Connected) return fail(Error::PeerAlert);
                return {};
            }
            if (a->description == AlertDescription::UserCanceled) return {};
            // RFC 5246 §7.2: a TLS 1.2 warning alert does not end the connection.
            if (tls12 && a->level == AlertLevel::Warning) return {};
            // RFC 8446 §6: every other alert ends the connection, whatever its level.
            peer_alert = *a;
            return fail(Error::PeerAlert);
        }
        case ContentType::Handshake: {
            reassembler.feed(rec.fragment);
            for (;;) {
                auto m = reassembler.next();
                if (!m) return fail(m.error());
                if (!*m) return {};
                if (auto s = handle_handshake_message(**m); !s) return s;
                if (error) return fail(*error);
            }
        }
        case ContentType::ApplicationData:
            if (state != HandshakeState::Connected) return fail(Error::UnexpectedMessage);
            app_in.insert(app_in.end(), rec.fragment.begin(), rec.fragment.end());
            return {};
        default: return fail(Error::UnexpectedMessage);
    }
}

Status Connection::Impl::handle_handshake_message(const HandshakeMessage& m) {
    using S = HandshakeState;
    using T = HandshakeType;
    const auto unexpected = [] { return Status(fail(Error::UnexpectedMessage)); };
    if (tls12) return handle_handshake12(m);
    switch (state) {
        case S::WaitServerHello: return m.type == T::ServerHello ? client_on_server_hello(m) : unexpected();
        case S::WaitEncryptedExtensions:
            return m.type == T::EncryptedExtensions ? client_on_encrypted_extensions(m) : unexpected();
        case S::WaitCertificateOrRequest:
            if (m.type == T::CertificateRequest) return client_on_certificate_request(m);
            return m.type == T::Certificate ? client_on_certificate(m) : unexpected();
        case S::WaitCertificate: return m.type == T::Certificate ? client_on_certificate(m) : unexpected();
        case S::WaitCertificateVerify:
            return m.type == T::CertificateVerify ? client_on_certificate_verify(m) : unexpected();
        case S::WaitServerFinished: return m.type == T::Finished ? client_on_finished(m) : unexpected();
        case S::WaitClientHello: return m.type == T::ClientHello ? server_on_client_hello(m) : unexpected();
        case S::WaitClientCertificate:
            return m.type == T::Certificate ? server_on_certificate(m) : unexpected();
        case S::WaitClientCertificateVerify:
            return m.type == T::CertificateVerify ? server_on_certificate_verify(m) : unexpected();
        case S::WaitClientFinished: return m.type == T::Finished ? server_on_finished(m) : unexpected();
        case S::Connected: return handle_post_handshake(m);
        default: return unexpected();
    }
}

Status Connection::Impl::handle_post_handshake(const HandshakeMessage& m) {
    if (tls12) return handle_post_handshake12(m);
    if (m.type == HandshakeType::KeyUpdate) {
        auto req = parse_key_update(m.body());
        if (!req) return fail(req.error());
        if (auto s = key_update_read(); !s) return s;
        // RFC 8446 §4.6.3: answer update_requested with our own KeyUpdate.
        if (*req == KeyUpdateRequest::Requested && !local_closed) {
            auto ku = build_key_update(KeyUpdateRequest::NotRequested);
            if (!ku) return fail(ku.error());
            if (auto s = send_handshake(*ku); !s) return s;
            return key_update_write();
        }
        return {};
    }
    if (m.type == HandshakeType::NewSessionTicket && role == Role::Client)
        return client_on_new_session_ticket(m);
    // A ClientHello or HelloRequest after the handshake is a renegotiation
    // attempt: TLS 1.3 has none (RFC 8446 §4), so unexpected_message.
    return fail(Error::UnexpectedMessage);
}

// ---------------------------------------------------------------- public

Connection::Connection(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::client(std::shared_ptr<const Config> config,
                                                       std::string server_name, const core::Clock& clock,
                                                       crypto::RandomSource& rng) {
    if (!config || !config->check()) return fail(Error::InternalError);
    if (config->verify != VerifyMode::None && !config->trust_store) return fail(Error::InternalError);
    auto impl = std::make_unique<Impl>(Role::Client, std::move(config), clock, rng);
    impl->neg.server_name = std::move(server_name);
    return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

Result<std::unique_ptr<Connection>> Connection::server(std::shared_ptr<const Config> config,
                                                       const core::Clock& clock, crypto::RandomSource& rng) {
    if (!config || !config->check() || config->certificate_chain.empty()) return fail(Error::InternalError);
    if (config->verify != VerifyMode::None && !config->trust_store) return fail(Error::InternalError);
    auto impl = std::make_unique<Impl>(Role::Server, std::move(config), clock, rng);
    return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

Status Connection::start() {
    if (impl_->error) return fail(*impl_->error);
    if (impl_->state != HandshakeState::Start) return fail(Error::InternalError);
    if (impl_->role == Role::Server) {
        impl_->state = HandshakeState::WaitClientHello;
        return {};
    }
    if (auto s = impl_->client_start(); !s) return impl_->fail_with(s.error());
    return {};
}

Status Connection::receive(core::ByteView bytes) {
    if (impl_->error) return fail(*impl_->error);
    if (impl_->state == HandshakeState::Start) {
        if (auto s = start(); !s) return s;
    }
    impl_->reader.feed(bytes);
    return impl_->process_records();
}

core::Bytes Connection::take_output() { return std::exchange(impl_->out, core::Bytes{}); }

bool Connection::has_output() const noexcept { return !impl_->out.empty(); }

Status Connection::write(core::ByteView plaintext) {
    if (impl_->error) return fail(*impl_->error);
    if (impl_->local_closed) return fail(Error::Closed);
    if (impl_->state != HandshakeState::Connected) return fail(Error::InternalError);
    if (plaintext.empty()) return {};
    if (auto s = impl_->write_prot->seal_all(ContentType::ApplicationData, plaintext, impl_->out); !s) {
        return impl_->fail_with(s.error());
    }
    return {};
}

core::Bytes Connection::read() { return std::exchange(impl_->app_in, core::Bytes{}); }

Status Connection::key_update(bool request_peer) {
    if (impl_->error) return fail(*impl_->error);
    if (impl_->state != HandshakeState::Connected || impl_->local_closed) return fail(Error::InternalError);
    auto ku = build_key_update(request_peer ? KeyUpdateRequest::Requested : KeyUpdateRequest::NotRequested);
    if (!ku) return fail(ku.error());
    if (auto s = impl_->send_handshake(*ku); !s) return impl_->fail_with(s.error());
    if (auto s = impl_->key_update_write(); !s) return impl_->fail_with(s.error());
    return {};
}

Status Connection::close() {
    if (impl_->error) return fail(*impl_->error);
    if (impl_->local_closed) return {};
    impl_->local_closed = true;
    impl_->send_alert(Alert{AlertLevel::Warning, AlertDescription::CloseNotify});
    return {};
}

bool Connection::handshake_complete() const noexcept { return impl_->state == HandshakeState::Connected; }
bool Connection::peer_closed() const noexcept { return impl_->peer_closed; }
HandshakeState Connection::state() const noexcept { return impl_->state; }
std::optional<Error> Connection::error() const noexcept { return impl_->error; }
std::optional<Alert> Connection::peer_alert() const noexcept { return impl_->peer_alert; }
std::optional<Alert> Connection::sent_alert() const noexcept { return impl_->sent_alert; }
const Negotiated& Connection::negotiated() const noexcept { return impl_->neg; }
Role Connection::role() const noexcept { return impl_->role; }

}  // namespace strata::tls
