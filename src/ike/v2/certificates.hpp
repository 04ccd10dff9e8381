// certificates.hpp: CERT and CERTREQ payloads and the peer's certificate
// checks for IKEv2 signature authentication (RFC 7296 §3.6, §3.7, §2.15;
// RFC 4945 §3 for how identities relate to certificates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/identity.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// kCertEncodingX509Signature is "X.509 Certificate - Signature" (RFC 7296 §3.6).
inline constexpr std::uint8_t kCertEncodingX509Signature = 4;
// kMaxPeerCertificates bounds the CERT payloads taken from one message.
inline constexpr std::size_t kMaxPeerCertificates = 8;

// cert_payloads returns one CERT payload per certificate of certs, in order
// (end-entity first, RFC 7296 §3.6). Empty if a certificate cannot be encoded.
std::vector<RawPayload> cert_payloads(const std::vector<crypto::Certificate>& certs);

// certreq_payload returns a CERTREQ naming the trust anchors by the SHA-1
// hash of their SubjectPublicKeyInfo (RFC 7296 §3.7); nullopt without anchors.
std::optional<RawPayload> certreq_payload(const std::vector<crypto::Certificate>& cas);

// parse_certreq_hashes splits X.509 CERTREQ data into its 20-byte hashes;
// DecodeFailed if the length is not a multiple of 20.
core::Result<std::vector<core::Bytes>> parse_certreq_hashes(core::ByteView data);

// default_identity returns the ID_DER_ASN1_DN of cert's subject (used when a
// connection with certificates has no local ID configured).
core::Result<Identity> default_identity(const crypto::Certificate& cert);

// identity_matches is true if cert certifies id: FQDN as a dNSName,
// RFC822 as an rfc822Name, IPv4/IPv6 as an iPAddress subjectAltName, a DN
// as the subject (RFC 4945 §3.1). KEY_ID never matches.
bool identity_matches(const crypto::Certificate& cert, const Identity& id);

// PeerCertificate is the outcome of check_peer_certificates.
struct PeerCertificate {
    crypto::Certificate leaf;
    crypto::PublicKey key;
};

// CertFailure says why the peer's certificates were refused.
struct CertFailure {
    std::string reason;
};

// spki_of returns the DER SubjectPublicKeyInfo inside a DER certificate
// (RFC 5280 §4.1: the seventh field of TBSCertificate, after the optional
// version), as a view into der; DecodeFailed if der is not shaped like one.
core::Result<core::ByteView> spki_of(core::ByteView der);

// CertificateCache keeps the peer certificates an engine parsed recently,
// keyed by their exact DER bytes, so a peer that authenticates again is not
// parsed again (libcrypto 3.0 builds a key decoder for every certificate it
// parses, which costs more than an ECDSA verification). Parsing depends on
// the bytes alone, so a hit gives what a parse would; the chain, validity
// and identity checks still run on it every time. At most kCapacity
// certificates of at most kMaxDer bytes, the least recently used dropped
// first; safe to share between threads.
class CertificateCache {
public:
    static constexpr std::size_t kCapacity = 32;
    static constexpr std::size_t kMaxDer = std::size_t{16} * 1024;

    // parse returns the certificate of der, from the cache or parsed (and
    // then kept); DecodeFailed like crypto::Certificate::from_der.
    core::Result<crypto::Certificate> parse(core::ByteView der);
    // size returns how many certificates are kept.
    [[nodiscard]] std::size_t size() const;
    // hits returns how many parse calls were answered from the cache.
    [[nodiscard]] std::uint64_t hits() const;

private:
    struct Entry {
        core::Bytes der;
        crypto::Certificate cert;
        std::uint64_t used = 0;
    };
    mutable std::mutex mu_;
    std::vector<Entry> entries_;
    std::uint64_t tick_ = 0;
    std::uint64_t hits_ = 0;
};

// check_peer_certificates takes the CERT payloads of an IKE_AUTH message,
// verifies the first (end-entity) certificate against anchors through the
// others (RFC 5280 §6 at time `at`) and checks that it certifies peer_id.
// With a cache, certificates already parsed from the same bytes are reused.
core::Result<PeerCertificate, CertFailure> check_peer_certificates(
    const std::vector<RawPayload>& payloads, const Identity& peer_id,
    const std::vector<crypto::Certificate>& anchors, core::WallTime at, CertificateCache* cache = nullptr);

}  // namespace strata::ike::v2
