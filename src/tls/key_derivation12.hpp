// key_derivation12.hpp: the TLS 1.2 key derivations over the RFC 5246 PRF.
//
//   master_secret = PRF(pre_master_secret, "master secret",
//                       ClientHello.random + ServerHello.random)[0..47]   RFC 5246 §8.1
//   master_secret = PRF(pre_master_secret, "extended master secret",
//                       session_hash)[0..47]                               RFC 7627 §4
//   key_block     = PRF(master_secret, "key expansion",
//                       server_random + client_random)                     RFC 5246 §6.3
//                 = client_write_MAC_key | server_write_MAC_key |
//                   client_write_key | server_write_key |
//                   client_write_IV | server_write_IV
//   verify_data   = PRF(master_secret, finished_label,
//                       Hash(handshake_messages))[0..11]                   RFC 5246 §7.4.9
//
// The PRF hash is the cipher suite's (SHA-256 unless the suite names
// SHA-384). Every secret comes back as core::SecretBytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_ids.hpp"
#include "crypto/algorithm_table.hpp"
#include "tls/alert.hpp"
#include "tls/handshake.hpp"

namespace strata::tls {

// kMasterSecretLength is the length of a TLS 1.2 master secret (RFC 5246 §8.1).
inline constexpr std::size_t kMasterSecretLength = 48;

// master_secret12 returns PRF(premaster, "master secret", client_random |
// server_random)[0..47] (RFC 5246 §8.1). Crypto if the PRF fails.
Result<core::SecretBytes> master_secret12(crypto::HashAlg prf_hash, core::ByteView premaster,
                                          const Random& client_random, const Random& server_random);

// extended_master_secret12 returns PRF(premaster, "extended master
// secret", session_hash)[0..47] (RFC 7627 §4), session_hash being the
// transcript hash from ClientHello up to and including ClientKeyExchange
// (RFC 7627 §3).
Result<core::SecretBytes> extended_master_secret12(crypto::HashAlg prf_hash, core::ByteView premaster,
                                                   core::ByteView session_hash);

// KeyBlockLayout gives the lengths of the key_block's parts for a suite.
struct KeyBlockLayout {
    std::size_t mac_key_length = 0;  // HMAC key; 0 for AEAD suites
    std::size_t enc_key_length = 0;
    std::size_t fixed_iv_length = 0;  // GCM 4 (RFC 5288 §3), ChaCha20 12 (RFC 7905 §2), CBC 0

    // total returns the length of the whole key_block.
    [[nodiscard]] std::size_t total() const noexcept {
        return 2 * (mac_key_length + enc_key_length + fixed_iv_length);
    }
};

// key_block_layout returns the layout for suite. CBC suites have no fixed IV:
// TLS 1.1 and later send an explicit IV with each record (RFC 5246 §6.2.3.2).
// HandshakeFailure for a TLS 1.3 suite.
Result<KeyBlockLayout> key_block_layout(const crypto::TlsCipherSuiteInfo& suite);

// KeyBlock12 is the key_block split into its six parts (RFC 5246 §6.3).
struct KeyBlock12 {
    core::SecretBytes client_mac_key;
    core::SecretBytes server_mac_key;
    core::SecretBytes client_key;
    core::SecretBytes server_key;
    core::SecretBytes client_iv;  // the fixed (implicit) IV part; empty for CBC
    core::SecretBytes server_iv;
};

// key_block12 derives PRF(master_secret, "key expansion", server_random |
// client_random) and splits it for suite (RFC 5246 §6.3). HandshakeFailure
// for a TLS 1.3 suite, Crypto if the PRF fails.
Result<KeyBlock12> key_block12(const crypto::TlsCipherSuiteInfo& suite, core::ByteView master_secret,
                               const Random& client_random, const Random& server_random);

// FinishedSender says whose Finished a verify_data is for.
enum class FinishedSender : std::uint8_t { Client, Server };

// finished_verify_data12 returns PRF(master_secret, "client finished" or
// "server finished", handshake_hash)[0..11] (RFC 5246 §7.4.9), handshake_hash
// being Hash(handshake_messages) with the PRF hash.
Result<core::Bytes> finished_verify_data12(crypto::HashAlg prf_hash, core::ByteView master_secret,
                                           FinishedSender sender, core::ByteView handshake_hash);

// check_finished12 recomputes verify_data and compares it with received in
// constant time: DecryptError on mismatch (RFC 5246 §7.4.9 / §7.2.2).
Status check_finished12(crypto::HashAlg prf_hash, core::ByteView master_secret, FinishedSender sender,
                        core::ByteView handshake_hash, core::ByteView received);

}  // namespace strata::tls
