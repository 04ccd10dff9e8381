// certificate_auth.hpp: certificate authentication for the TLS handshake:
// choosing a signature scheme, signing and checking CertificateVerify
// (RFC 8446 §4.4.3), and verifying a peer's chain and name (RFC 5280 via
// libcrypto's X509_STORE, RFC 6125).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "tls/alert.hpp"

namespace strata::tls {

// tls13_signature_allowed is false for schemes TLS 1.3 forbids in
// CertificateVerify: RSASSA-PKCS1-v1_5 (RFC 8446 §4.2.3) and unknown ones.
bool tls13_signature_allowed(std::uint16_t scheme) noexcept;

// choose_signature_scheme returns the first of `ours` (preference order)
// that the peer listed in `peer`, that key can make and, for TLS 1.3, that
// tls13_signature_allowed accepts; std::nullopt when none.
std::optional<std::uint16_t> choose_signature_scheme(const crypto::PrivateKey& key,
                                                     std::span<const std::uint16_t> ours,
                                                     std::span<const std::uint16_t> peer, bool tls13);

// sign_certificate_verify signs the RFC 8446 §4.4.3 content for the given
// side and transcript hash. Crypto on failure.
Result<core::Bytes> sign_certificate_verify(const crypto::PrivateKey& key, std::uint16_t scheme, bool server,
                                            core::ByteView transcript_hash);

// check_certificate_verify checks a peer's CertificateVerify: the scheme must
// be one we offered (`offered`) that TLS 1.3 allows and that fits the key
// (IllegalParameter otherwise, RFC 8446 §4.4.3), and the signature must
// verify (DecryptError).
Status check_certificate_verify(const crypto::PublicKey& key, std::uint16_t scheme,
                                std::span<const std::uint16_t> offered, bool peer_is_server,
                                core::ByteView transcript_hash, core::ByteView signature);

// PeerChain is a decoded peer certificate chain.
struct PeerChain {
    std::vector<crypto::Certificate> certificates;  // leaf first
};

// decode_chain parses DER certificates (BadCertificate on a malformed one),
// through crypto::CertificateCache::shared(): a certificate already parsed
// with exactly these bytes is shared, not decoded again.
Result<PeerChain> decode_chain(std::span<const core::Bytes> der);

// verify_chain checks chain against trust at `at` and, when name is not
// empty, the leaf against name (DNS name, or IP address literal). Errors:
// CertificateExpired, UnknownCa (any other chain failure), BadCertificate
// (name mismatch or an empty chain).
Status verify_chain(const PeerChain& chain, const crypto::TrustStore& trust, core::WallTime at,
                    std::string_view name);

}  // namespace strata::tls
