// key_schedule.cpp: the TLS 1.3 key schedule over crypto::kdf.
#include "tls/key_schedule.hpp"

#include <array>

#include "crypto/aead.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/kdf.hpp"
#include "crypto/mac.hpp"

namespace strata::tls {

namespace {

template <typename T>
Result<T> lift(core::Result<T> r) {
    if (!r) return fail(Error::Crypto);
    return std::move(r).value();
}

// empty_hash returns Hash("") for the "derived" and binder secrets.
Result<core::Bytes> empty_hash(crypto::HashAlg hash) { return lift(crypto::digest(hash, {})); }

}  // namespace

// ---- Transcript ----

Result<Transcript> Transcript::create(crypto::HashAlg hash) {
    auto h = crypto::Hasher::create(hash);
    if (!h) return fail(Error::Crypto);
    return Transcript(std::move(h).value());
}

Status Transcript::add(core::ByteView message) {
    if (!hasher_.update(message)) return fail(Error::Crypto);
    return {};
}

Result<core::Bytes> Transcript::hash() const {
    core::Bytes out(hasher_.length());
    if (!hasher_.peek(out)) return fail(Error::Crypto);
    return out;
}

Status Transcript::restart_after_hello_retry() {
    std::array<std::uint8_t, crypto::kMaxDigestLength> h{};
    const std::size_t n = hasher_.length();
    if (!hasher_.finish(core::MutableByteView(h.data(), n))) return fail(Error::Crypto);
    // RFC 8446 §4.4.1: message_hash (254), uint24 length HashLen, Hash(ClientHello1).
    const std::array<std::uint8_t, 4> header = {254, 0, 0, static_cast<std::uint8_t>(n)};
    if (!hasher_.update(header) || !hasher_.update(core::ByteView(h.data(), n))) return fail(Error::Crypto);
    return {};
}

std::string_view to_string(KeyStage s) noexcept {
    switch (s) {
        case KeyStage::Early: return "early";
        case KeyStage::Handshake: return "handshake";
        case KeyStage::Master: return "master";
    }
    return "unknown";
}

// ---- KeySchedule ----

Result<KeySchedule> KeySchedule::create(crypto::HashAlg hash, core::ByteView psk) {
    const core::Bytes zeros(crypto::digest_length(hash), 0);
    // RFC 8446 §7.1: Early Secret = HKDF-Extract(salt 0, IKM PSK or 0^HashLen).
    auto early = lift(crypto::hkdf_extract(hash, {}, psk.empty() ? core::ByteView(zeros) : psk));
    if (!early) return fail(early.error());
    return KeySchedule(hash, std::move(early).value());
}

Result<core::SecretBytes> KeySchedule::derive(KeyStage need, std::string_view label,
                                              core::ByteView transcript_hash) const {
    if (stage_ != need) return fail(Error::InternalError);
    if (transcript_hash.size() != crypto::digest_length(hash_)) return fail(Error::InternalError);
    return lift(crypto::tls13_derive_secret(hash_, secret_, label, transcript_hash));
}

Status KeySchedule::advance(KeyStage from, core::ByteView ikm) {
    if (stage_ != from) return fail(Error::InternalError);
    auto eh = empty_hash(hash_);
    if (!eh) return fail(eh.error());
    // RFC 8446 §7.1: salt = Derive-Secret(previous secret, "derived", "").
    auto salt = lift(crypto::tls13_derive_secret(hash_, secret_, "derived", *eh));
    if (!salt) return fail(salt.error());
    const core::Bytes zeros(crypto::digest_length(hash_), 0);
    auto next = lift(crypto::hkdf_extract(hash_, *salt, ikm.empty() ? core::ByteView(zeros) : ikm));
    if (!next) return fail(next.error());
    secret_ = std::move(next).value();
    stage_ = from == KeyStage::Early ? KeyStage::Handshake : KeyStage::Master;
    return {};
}

Result<core::SecretBytes> KeySchedule::binder_key(bool resumption) const {
    auto eh = empty_hash(hash_);
    if (!eh) return fail(eh.error());
    return derive(KeyStage::Early, resumption ? "res binder" : "ext binder", *eh);
}

Result<core::SecretBytes> KeySchedule::client_early_traffic_secret(core::ByteView th) const {
    return derive(KeyStage::Early, "c e traffic", th);
}
Result<core::SecretBytes> KeySchedule::early_exporter_master_secret(core::ByteView th) const {
    return derive(KeyStage::Early, "e exp master", th);
}
Status KeySchedule::enter_handshake(core::ByteView dhe) { return advance(KeyStage::Early, dhe); }
Result<core::SecretBytes> KeySchedule::client_handshake_traffic_secret(core::ByteView th) const {
    return derive(KeyStage::Handshake, "c hs traffic", th);
}
Result<core::SecretBytes> KeySchedule::server_handshake_traffic_secret(core::ByteView th) const {
    return derive(KeyStage::Handshake, "s hs traffic", th);
}
Status KeySchedule::enter_master() { return advance(KeyStage::Handshake, {}); }
Result<core::SecretBytes> KeySchedule::client_application_traffic_secret(core::ByteView th) const {
    return derive(KeyStage::Master, "c ap traffic", th);
}
Result<core::SecretBytes> KeySchedule::server_application_traffic_secret(core::ByteView th) const {
    return derive(KeyStage::Master, "s ap traffic", th);
}
Result<core::SecretBytes> KeySchedule::exporter_master_secret(core::ByteView th) const {
    return derive(KeyStage::Master, "exp master", th);
}
Result<core::SecretBytes> KeySchedule::resumption_master_secret(core::ByteView th) const {
    return derive(KeyStage::Master, "res master", th);
}

// ---- free functions ----

Result<TrafficKeys> traffic_keys(crypto::HashAlg hash, crypto::AeadAlg aead, core::ByteView traffic_secret) {
    const auto key_len = static_cast<std::uint16_t>(crypto::aead_key_length(aead));
    auto key = lift(crypto::tls13_expand_label(hash, traffic_secret, "key", {}, key_len));
    auto iv = lift(crypto::tls13_expand_label(hash, traffic_secret, "iv", {},
                                              static_cast<std::uint16_t>(crypto::kAeadNonceLength)));
    if (!key || !iv) return fail(Error::Crypto);
    return TrafficKeys{std::move(key).value(), std::move(iv).value()};
}

Result<core::SecretBytes> next_traffic_secret(crypto::HashAlg hash, core::ByteView traffic_secret) {
    return lift(crypto::tls13_expand_label(hash, traffic_secret, "traffic upd", {},
                                           static_cast<std::uint16_t>(crypto::digest_length(hash))));
}

Result<core::SecretBytes> finished_key(crypto::HashAlg hash, core::ByteView base_key) {
    return lift(crypto::tls13_expand_label(hash, base_key, "finished", {},
                                           static_cast<std::uint16_t>(crypto::digest_length(hash))));
}

Result<core::Bytes> finished_verify_data(crypto::HashAlg hash, core::ByteView base_key,
                                         core::ByteView transcript_hash) {
    auto key = finished_key(hash, base_key);
    if (!key) return fail(key.error());
    return lift(crypto::hmac(hash, *key, transcript_hash));
}

Status check_finished(crypto::HashAlg hash, core::ByteView base_key, core::ByteView transcript_hash,
                      core::ByteView received) {
    auto expected = finished_verify_data(hash, base_key, transcript_hash);
    if (!expected) return fail(expected.error());
    if (!crypto::constant_time_equal(*expected, received)) return fail(Error::DecryptError);
    return {};
}

Result<core::SecretBytes> resumption_psk(crypto::HashAlg hash, core::ByteView resumption_master_secret,
                                         core::ByteView ticket_nonce) {
    return lift(crypto::tls13_expand_label(hash, resumption_master_secret, "resumption", ticket_nonce,
                                           static_cast<std::uint16_t>(crypto::digest_length(hash))));
}

}  // namespace strata::tls
