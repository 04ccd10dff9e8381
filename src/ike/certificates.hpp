// certificates.hpp: what both IKE versions check about a peer's X.509
// certificates: the chain to a trust anchor, the validity period, and that
// the end-entity certificate certifies the identity the peer claimed
// (RFC 4945 §3.1). IKEv1 CERT payloads (RFC 2408 §3.9) and IKEv2 ones
// (RFC 7296 §3.6) share the encoding numbers, so one check serves both;
// each engine keeps its own payload codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/identity.hpp"

namespace strata::ike {

// kCertEncodingX509Signature is "X.509 Certificate - Signature" (RFC 2408
// §3.9, RFC 7296 §3.6).
inline constexpr std::uint8_t kCertEncodingX509Signature = 4;
// kMaxPeerCertificates bounds the CERT payloads taken from one message.
inline constexpr std::size_t kMaxPeerCertificates = 8;

// default_identity returns the ID_DER_ASN1_DN of cert's subject (used when a
// connection with certificates has no local ID configured).
core::Result<Identity> default_identity(const crypto::Certificate& cert);

// identity_matches is true if cert certifies id: FQDN as a dNSName,
// RFC822 as an rfc822Name, IPv4/IPv6 as an iPAddress subjectAltName, a DN
// as the subject (RFC 4945 §3.1). KEY_ID never matches.
bool identity_matches(const crypto::Certificate& cert, const Identity& id);

// PeerCertificate is the outcome of check_peer_chain.
struct PeerCertificate {
    crypto::Certificate leaf;
    crypto::PublicKey key;
};

// CertFailure says why the peer's certificates were refused.
struct CertFailure {
    std::string reason;
};

// CertData is the body of one CERT payload: its encoding and data.
struct CertData {
    std::uint8_t encoding = 0;
    core::ByteView data;
};

// check_peer_chain takes the peer's CERT payload bodies in the order they
// came (end-entity first), verifies the end-entity certificate against
// anchors through the others (RFC 5280 §6 at time `at`) and checks that it
// certifies peer_id. Certificates of other encodings after the first are
// skipped. With a cache (exact-DER keyed) certificates already parsed are
// reused; the checks still run every time.
core::Result<PeerCertificate, CertFailure> check_peer_chain(std::span<const CertData> certs,
                                                            const Identity& peer_id,
                                                            const std::vector<crypto::Certificate>& anchors,
                                                            core::WallTime at,
                                                            crypto::CertificateCache* cache = nullptr);

}  // namespace strata::ike
