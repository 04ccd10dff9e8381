// certificates.hpp: CERT and CERTREQ payloads and the peer's certificate
// checks for IKEv2 signature authentication (RFC 7296 §3.6, §3.7, §2.15;
// RFC 4945 §3 for how identities relate to certificates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/certificates.hpp"
#include "ike/identity.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// The certificate checks both IKE versions share (ike/certificates.hpp).
using ike::CertFailure;
using ike::default_identity;
using ike::identity_matches;
using ike::kCertEncodingX509Signature;
using ike::kMaxPeerCertificates;
using ike::PeerCertificate;

// cert_payloads returns one CERT payload per certificate of certs, in order
// (end-entity first, RFC 7296 §3.6). Empty if a certificate cannot be encoded.
std::vector<RawPayload> cert_payloads(const std::vector<crypto::Certificate>& certs);

// certreq_payload returns a CERTREQ naming the trust anchors by the SHA-1
// hash of their SubjectPublicKeyInfo (RFC 7296 §3.7); nullopt without anchors.
std::optional<RawPayload> certreq_payload(const std::vector<crypto::Certificate>& cas);

// parse_certreq_hashes splits X.509 CERTREQ data into its 20-byte hashes;
// DecodeFailed if the length is not a multiple of 20.
core::Result<std::vector<core::Bytes>> parse_certreq_hashes(core::ByteView data);

// spki_of returns the DER SubjectPublicKeyInfo inside a DER certificate
// (RFC 5280 §4.1: the seventh field of TBSCertificate, after the optional
// version), as a view into der; DecodeFailed if der is not shaped like one.
core::Result<core::ByteView> spki_of(core::ByteView der);

// check_peer_certificates takes the CERT payloads of an IKE_AUTH message,
// verifies the first (end-entity) certificate against anchors through the
// others (RFC 5280 §6 at time `at`) and checks that it certifies peer_id.
// With a cache (crypto::CertificateCache, keyed by the exact DER bytes),
// certificates already parsed are reused; the checks still run every time.
core::Result<PeerCertificate, CertFailure> check_peer_certificates(
    const std::vector<RawPayload>& payloads, const Identity& peer_id,
    const std::vector<crypto::Certificate>& anchors, core::WallTime at,
    crypto::CertificateCache* cache = nullptr);

}  // namespace strata::ike::v2
