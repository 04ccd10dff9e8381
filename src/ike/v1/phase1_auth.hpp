// phase1_auth.hpp: how main mode authenticates: pre-shared keys (RFC 2409
// §5) or signatures with X.509 certificates (§5.1: RSA; RFC 4754: ECDSA).
//
//   HDR*, IDii, [ CERT, ] SIG_I   -->
//                         <--   HDR*, IDir, [ CERT, ] SIG_R
//
// With signatures SKEYID = prf(Ni_b | Nr_b, g^xy), and SIG_I / SIG_R are
// HASH_I / HASH_R (the same prf values a pre-shared key sends in HASH)
// signed as they are: RSA with PKCS#1 v1.5 padding and no DigestInfo, ECDSA
// as r||s (crypto/prehashed_signature.hpp). The certificate checks are the
// ones IKEv2 uses (ike/certificates.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/x509.hpp"
#include "ike/certificates.hpp"
#include "ike/config.hpp"
#include "ike/identity.hpp"
#include "ike/v1/keys.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/transforms.hpp"

namespace strata::ike::v1 {

// auth_method_of returns the Authentication Method attribute a connection
// offers and accepts: pre-shared key (1), RSA signatures (3) for an RSA key,
// ECDSA P-256 (9) or P-384 (10) for such a key (RFC 4754 §6); nullopt for a
// PublicKey connection without a key IKEv1 can sign with.
std::optional<std::uint16_t> auth_method_of(const ConnectionConfig& c);

// is_signature_method is true for the signature methods auth_method_of returns.
bool is_signature_method(std::uint16_t method) noexcept;

// method_name returns "psk", "rsa-sig", "ecdsa-256", "ecdsa-384" for logs.
std::string_view method_name(std::uint16_t method) noexcept;

// local_identity returns the identity this host sends: the configured one,
// else with certificates the subject DN of its certificate (ID_DER_ASN1_DN).
Identity local_identity(const ConnectionConfig& c);

// certreq_payloads returns one CERTREQ per trust anchor: X.509 Signature
// and the anchor's subject DN (RFC 2408 §3.10: the Certificate Authority
// field is the DN of an acceptable CA). Empty without anchors.
std::vector<OutPayload> certreq_payloads(const ConnectionConfig& c);

// cert_payloads returns one CERT payload (X.509 Signature, RFC 2408 §3.9)
// per local certificate, the end-entity one first.
std::vector<OutPayload> cert_payloads(const ConnectionConfig& c);

// derive_phase1 computes the ISAKMP SA's keys for the negotiated method
// (RFC 2409 §5: SKEYID from the pre-shared key, or from the nonces and g^xy).
core::Result<Phase1Keys, Error> derive_phase1(const ConnectionConfig& c, const Phase1Choice& choice,
                                              core::ByteView ni_b, core::ByteView nr_b, core::ByteView g_xy,
                                              core::ByteView cky_i, core::ByteView cky_r);

// sign_hash returns the SIG payload body: hash (HASH_I or HASH_R) signed with
// the connection's private key (RFC 2409 §5.1).
core::Result<core::Bytes, Error> sign_hash(const ConnectionConfig& c, core::ByteView hash);

// PeerAuthFailure says why a peer's MM5/MM6 was refused and which
// notification tells it so (RFC 2408 §3.14.1).
struct PeerAuthFailure {
    NotifyType notify = NotifyType::AuthenticationFailed;
    std::string reason;
};

// check_signed_peer checks the signature half of a peer's MM5 or MM6: its
// CERT payloads chain to c.ca_certs at time `at` and the end-entity
// certificate certifies peer_id (RFC 4945 §3), its key fits the negotiated
// method, and the SIG payload is that key's signature of expected_hash.
// Returns the peer's certificate.
core::Result<PeerCertificate, PeerAuthFailure> check_signed_peer(
    const ConnectionConfig& c, std::uint16_t method, const std::vector<RawPayload>& chain,
    const Identity& peer_id, core::ByteView expected_hash, core::WallTime at,
    crypto::CertificateCache* cache);

}  // namespace strata::ike::v1
