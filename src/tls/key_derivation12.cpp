// key_derivation12.cpp: TLS 1.2 master secret, key block and Finished.
#include "tls/key_derivation12.hpp"

#include "crypto/aead.hpp"
#include "crypto/cipher.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/kdf.hpp"
#include "crypto/mac.hpp"

namespace strata::tls {

namespace {

Result<core::SecretBytes> prf(crypto::HashAlg hash, core::ByteView secret, std::string_view label,
                              core::ByteView seed, std::size_t length) {
    auto out = crypto::tls12_prf(hash, secret, label, seed, length);
    if (!out) return fail(Error::Crypto);
    return std::move(out).value();
}

// take moves the next n bytes of block (from at) into a SecretBytes.
core::SecretBytes take(const core::SecretBytes& block, std::size_t& at, std::size_t n) {
    core::SecretBytes part(block.view().subspan(at, n));
    at += n;
    return part;
}

}  // namespace

Result<core::SecretBytes> master_secret12(crypto::HashAlg prf_hash, core::ByteView premaster,
                                          const Random& client_random, const Random& server_random) {
    // RFC 5246 §8.1: seed = ClientHello.random + ServerHello.random.
    const core::Bytes seed = core::concat({client_random, server_random});
    return prf(prf_hash, premaster, "master secret", seed, kMasterSecretLength);
}

Result<core::SecretBytes> extended_master_secret12(crypto::HashAlg prf_hash, core::ByteView premaster,
                                                   core::ByteView session_hash) {
    // RFC 7627 §4: the seed is the session hash instead of the randoms.
    return prf(prf_hash, premaster, "extended master secret", session_hash, kMasterSecretLength);
}

Result<KeyBlockLayout> key_block_layout(const crypto::TlsCipherSuiteInfo& suite) {
    if (suite.kx == crypto::TlsKeyExchange::Tls13) return fail(Error::HandshakeFailure);
    KeyBlockLayout l;
    if (suite.aead) {
        l.enc_key_length = crypto::aead_key_length(suite.aead_alg);
        // RFC 7905 §2: ChaCha20-Poly1305 takes a 12-byte fixed IV; RFC 5288
        // §3: GCM a 4-byte salt, the other 8 nonce bytes are explicit.
        l.fixed_iv_length =
            suite.aead_alg == crypto::AeadAlg::ChaCha20Poly1305 ? crypto::kAeadNonceLength : 4;
    } else {
        l.mac_key_length =
            crypto::mac_output_length(suite.mac);  // RFC 5246 §6.3: mac_key_length = hash length
        l.enc_key_length = crypto::cipher_key_length(suite.cipher_alg);
        l.fixed_iv_length = 0;  // RFC 5246 §6.2.3.2: explicit per-record IVs
    }
    return l;
}

Result<KeyBlock12> key_block12(const crypto::TlsCipherSuiteInfo& suite, core::ByteView master_secret,
                               const Random& client_random, const Random& server_random) {
    auto layout = key_block_layout(suite);
    if (!layout) return fail(layout.error());
    // RFC 5246 §6.3: seed = server_random + client_random (note the order).
    const core::Bytes seed = core::concat({server_random, client_random});
    auto block = prf(suite.prf_hash, master_secret, "key expansion", seed, layout->total());
    if (!block) return fail(block.error());
    KeyBlock12 kb;
    std::size_t at = 0;
    kb.client_mac_key = take(*block, at, layout->mac_key_length);
    kb.server_mac_key = take(*block, at, layout->mac_key_length);
    kb.client_key = take(*block, at, layout->enc_key_length);
    kb.server_key = take(*block, at, layout->enc_key_length);
    kb.client_iv = take(*block, at, layout->fixed_iv_length);
    kb.server_iv = take(*block, at, layout->fixed_iv_length);
    return kb;
}

Result<core::Bytes> finished_verify_data12(crypto::HashAlg prf_hash, core::ByteView master_secret,
                                           FinishedSender sender, core::ByteView handshake_hash) {
    // RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label,
    // Hash(handshake_messages))[0..verify_data_length-1], 12 bytes.
    const std::string_view label = sender == FinishedSender::Client ? "client finished" : "server finished";
    auto vd = prf(prf_hash, master_secret, label, handshake_hash, 12);
    if (!vd) return fail(vd.error());
    const core::ByteView v = vd->view();
    return core::Bytes(v.begin(), v.end());
}

Status check_finished12(crypto::HashAlg prf_hash, core::ByteView master_secret, FinishedSender sender,
                        core::ByteView handshake_hash, core::ByteView received) {
    auto expected = finished_verify_data12(prf_hash, master_secret, sender, handshake_hash);
    if (!expected) return fail(expected.error());
    if (!crypto::constant_time_equal(*expected, received)) return fail(Error::DecryptError);
    return {};
}

}  // namespace strata::tls
