// key_schedule.hpp: the TLS 1.3 key schedule (RFC 8446 §7.1-7.5).
//
//              0
//              |
//   PSK ->  HKDF-Extract = Early Secret  -> binder_key, c e traffic, e exp master
//              |
//        Derive-Secret(., "derived", "")
//              |
//   (EC)DHE -> HKDF-Extract = Handshake Secret -> c/s hs traffic
//              |
//        Derive-Secret(., "derived", "")
//              |
//   0 ->    HKDF-Extract = Master Secret -> c/s ap traffic, exp master, res master
//
// KeySchedule walks these three stages over crypto::kdf; Transcript keeps the
// running Transcript-Hash (RFC 8446 §4.4.1). Secrets are core::SecretBytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_ids.hpp"
#include "crypto/hash.hpp"
#include "tls/alert.hpp"

namespace strata::tls {

// Transcript is the running hash of the handshake messages (RFC 8446 §4.4.1).
// Move-only.
class Transcript {
public:
    // create starts an empty transcript over hash (the cipher suite's hash).
    static Result<Transcript> create(crypto::HashAlg hash);

    // add appends one encoded handshake message (header included).
    Status add(core::ByteView message);
    // hash returns Transcript-Hash of everything added so far.
    [[nodiscard]] Result<core::Bytes> hash() const;
    // restart_after_hello_retry replaces the transcript so far (ClientHello1)
    // with the synthetic message_hash message (RFC 8446 §4.4.1):
    // 254 | 00 00 | HashLen | Hash(ClientHello1).
    Status restart_after_hello_retry();
    // alg returns the hash algorithm.
    [[nodiscard]] crypto::HashAlg alg() const noexcept { return hasher_.alg(); }

private:
    explicit Transcript(crypto::Hasher h) noexcept : hasher_(std::move(h)) {}
    crypto::Hasher hasher_;
};

// KeyStage is where a KeySchedule is.
enum class KeyStage : std::uint8_t { Early, Handshake, Master };

// to_string returns the name of a stage ("early", "handshake", "master").
std::string_view to_string(KeyStage s) noexcept;

// TrafficKeys is the key and iv derived from a traffic secret (RFC 8446 §7.3).
struct TrafficKeys {
    core::SecretBytes key;
    core::SecretBytes iv;
};

// KeySchedule holds the current stage secret of one connection. Move-only.
// Each *_secret(transcript_hash) derives a secret of the current stage and
// fails with InternalError when called in another stage.
class KeySchedule {
public:
    // create computes Early Secret = HKDF-Extract(0, psk), with psk HashLen
    // zero bytes when empty (RFC 8446 §7.1).
    static Result<KeySchedule> create(crypto::HashAlg hash, core::ByteView psk = {});

    // binder_key returns Derive-Secret(Early Secret, "ext binder" or
    // "res binder", "") (RFC 8446 §7.1, §4.2.11.2).
    [[nodiscard]] Result<core::SecretBytes> binder_key(bool resumption) const;
    // client_early_traffic_secret returns Derive-Secret(., "c e traffic",
    // transcript_hash = Hash(ClientHello)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> client_early_traffic_secret(core::ByteView transcript_hash) const;
    // early_exporter_master_secret returns Derive-Secret(., "e exp master",
    // transcript_hash = Hash(ClientHello)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> early_exporter_master_secret(
        core::ByteView transcript_hash) const;

    // enter_handshake moves Early -> Handshake: Handshake Secret =
    // HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), dhe); an empty
    // dhe (psk_ke) is HashLen zeros.
    Status enter_handshake(core::ByteView dhe);
    // client_handshake_traffic_secret returns Derive-Secret(., "c hs traffic",
    // transcript_hash = Hash(CH..SH)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> client_handshake_traffic_secret(
        core::ByteView transcript_hash) const;
    // server_handshake_traffic_secret returns Derive-Secret(., "s hs traffic",
    // transcript_hash = Hash(CH..SH)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> server_handshake_traffic_secret(
        core::ByteView transcript_hash) const;

    // enter_master moves Handshake -> Master: Master Secret =
    // HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0).
    Status enter_master();
    // client_application_traffic_secret returns client_application_traffic_secret_0 =
    // Derive-Secret(., "c ap traffic", Hash(CH..server Finished)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> client_application_traffic_secret(
        core::ByteView transcript_hash) const;
    // server_application_traffic_secret returns server_application_traffic_secret_0 =
    // Derive-Secret(., "s ap traffic", Hash(CH..server Finished)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> server_application_traffic_secret(
        core::ByteView transcript_hash) const;
    // exporter_master_secret returns Derive-Secret(., "exp master",
    // transcript_hash = Hash(CH..server Finished)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> exporter_master_secret(core::ByteView transcript_hash) const;
    // resumption_master_secret returns Derive-Secret(., "res master",
    // transcript_hash = Hash(CH..client Finished)), RFC 8446 §7.1.
    [[nodiscard]] Result<core::SecretBytes> resumption_master_secret(core::ByteView transcript_hash) const;

    // stage returns the current stage.
    [[nodiscard]] KeyStage stage() const noexcept { return stage_; }
    // secret returns the current stage secret (Early, Handshake or Master Secret).
    [[nodiscard]] core::ByteView secret() const noexcept { return secret_.view(); }
    // hash returns the hash algorithm.
    [[nodiscard]] crypto::HashAlg hash() const noexcept { return hash_; }

private:
    KeySchedule(crypto::HashAlg hash, core::SecretBytes secret) noexcept
        : hash_(hash), secret_(std::move(secret)) {}
    [[nodiscard]] Result<core::SecretBytes> derive(KeyStage need, std::string_view label,
                                                   core::ByteView transcript_hash) const;
    Status advance(KeyStage from, core::ByteView ikm);

    crypto::HashAlg hash_;
    KeyStage stage_ = KeyStage::Early;
    core::SecretBytes secret_;
};

// traffic_keys derives [sender]_write_key = HKDF-Expand-Label(secret, "key",
// "", key_length) and [sender]_write_iv = HKDF-Expand-Label(secret, "iv", "",
// 12) for aead (RFC 8446 §7.3).
Result<TrafficKeys> traffic_keys(crypto::HashAlg hash, crypto::AeadAlg aead, core::ByteView traffic_secret);

// next_traffic_secret returns application_traffic_secret_N+1 =
// HKDF-Expand-Label(secret_N, "traffic upd", "", HashLen) (RFC 8446 §7.2).
Result<core::SecretBytes> next_traffic_secret(crypto::HashAlg hash, core::ByteView traffic_secret);

// finished_key returns HKDF-Expand-Label(base_key, "finished", "", HashLen)
// (RFC 8446 §4.4.4).
Result<core::SecretBytes> finished_key(crypto::HashAlg hash, core::ByteView base_key);

// finished_verify_data returns HMAC(finished_key(base_key), transcript_hash)
// (RFC 8446 §4.4.4); with the binder key as base_key and the truncated
// ClientHello's hash it is a PSK binder (RFC 8446 §4.2.11.2).
Result<core::Bytes> finished_verify_data(crypto::HashAlg hash, core::ByteView base_key,
                                         core::ByteView transcript_hash);

// check_finished compares received verify_data with the expected value in
// constant time; DecryptError on mismatch (RFC 8446 §4.4.4).
Status check_finished(crypto::HashAlg hash, core::ByteView base_key, core::ByteView transcript_hash,
                      core::ByteView received);

// resumption_psk returns HKDF-Expand-Label(resumption_master_secret,
// "resumption", ticket_nonce, HashLen) (RFC 8446 §4.6.1).
Result<core::SecretBytes> resumption_psk(crypto::HashAlg hash, core::ByteView resumption_master_secret,
                                         core::ByteView ticket_nonce);

}  // namespace strata::tls
