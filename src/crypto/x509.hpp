// x509.hpp: X.509 certificates, a trust store, chain and name verification.
//
// Verification is libcrypto's (X509_verify_cert, RFC 5280 §6) at a time the
// caller passes in, so protocol cores and tests never read the clock.
// Failures map to: CertificateExpired (outside a certificate's validity
// period), CertificateUntrusted (anything else wrong with the chain),
// NameMismatch (host name or address not covered), DecodeFailed (bad PEM/DER).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/signature.hpp"

struct x509_st;        // libcrypto's X509
struct x509_store_st;  // libcrypto's X509_STORE

namespace strata::crypto {

namespace detail {
// X509Free frees an X509 (defined in x509.cpp).
struct X509Free {
    void operator()(x509_st* cert) const noexcept;
};
// StoreFree frees an X509_STORE (defined in x509.cpp).
struct StoreFree {
    void operator()(x509_store_st* store) const noexcept;
};
}  // namespace detail

// Certificate owns one X.509 certificate and its DER encoding. Copying shares
// the immutable libcrypto object (by reference count) and the encoding.
class Certificate {
public:
    // from_pem parses the first "CERTIFICATE" block of pem.
    static core::Result<Certificate> from_pem(std::string_view pem);
    // all_from_pem parses every "CERTIFICATE" block, in order; DecodeFailed if
    // there is none or one is malformed.
    static core::Result<std::vector<Certificate>> all_from_pem(std::string_view pem);
    // from_der parses one DER certificate; trailing bytes are an error.
    static core::Result<Certificate> from_der(core::ByteView der);
    // adopt takes ownership of an X509 reference; cert must not be null.
    static Certificate adopt(x509_st* cert) noexcept;

    Certificate(const Certificate& o) noexcept;
    Certificate& operator=(const Certificate& o) noexcept;
    Certificate(Certificate&&) noexcept = default;
    Certificate& operator=(Certificate&&) noexcept = default;
    ~Certificate() = default;

    // to_der returns a copy of the DER encoding (for a TLS Certificate message).
    [[nodiscard]] core::Result<core::Bytes> to_der() const;
    // der returns the DER encoding, kept since the certificate was loaded
    // (empty for a moved-from Certificate).
    [[nodiscard]] core::ByteView der() const noexcept {
        return der_ ? core::ByteView(*der_) : core::ByteView{};
    }
    // to_pem returns one "CERTIFICATE" PEM block.
    [[nodiscard]] core::Result<std::string> to_pem() const;
    // subject returns the subject DN in RFC 2253 form ("CN=host,O=Org").
    [[nodiscard]] std::string subject() const;
    // issuer returns the issuer DN in RFC 2253 form.
    [[nodiscard]] std::string issuer() const;
    // public_key returns the subject public key.
    [[nodiscard]] core::Result<PublicKey> public_key() const;
    // not_before returns the start of the validity period (RFC 5280 §4.1.2.5).
    [[nodiscard]] core::WallTime not_before() const;
    // not_after returns the end of the validity period (RFC 5280 §4.1.2.5).
    [[nodiscard]] core::WallTime not_after() const;
    // native returns the borrowed X509 (valid while this object lives).
    [[nodiscard]] x509_st* native() const noexcept { return cert_.get(); }

private:
    Certificate(x509_st* cert, std::shared_ptr<const core::Bytes> der) noexcept
        : cert_(cert), der_(std::move(der)) {}
    // encoded takes ownership of cert and encodes it (null der_ if that fails).
    static Certificate encoded(x509_st* cert) noexcept;
    std::unique_ptr<x509_st, detail::X509Free> cert_;
    std::shared_ptr<const core::Bytes> der_;
};

// CertificateCache keeps parsed certificates by their exact DER encoding, so
// that a certificate seen again (a server's chain on every connection to it)
// is not decoded again: only the parse is shared. Nothing about trust is
// remembered; every use still verifies the chain. Entries are keyed and
// compared on the whole encoding, at most `capacity` are kept (the oldest
// goes first). Thread-safe.
class CertificateCache {
public:
    explicit CertificateCache(std::size_t capacity = 128);
    // shared returns the process-wide cache (TLS peer chains).
    static CertificateCache& shared();
    // parse returns the certificate encoded by der, from the cache if an
    // entry has exactly these bytes, else parsed (Certificate::from_der,
    // same errors) and added.
    core::Result<Certificate> parse(core::ByteView der);
    // size returns the number of entries; hits and misses count lookups.
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] std::uint64_t hits() const;
    [[nodiscard]] std::uint64_t misses() const;

private:
    static std::string_view key_of(const Certificate& c) noexcept;

    mutable std::mutex mu_;
    std::size_t capacity_;
    // Keys view the DER held by the mapped Certificate.
    std::unordered_map<std::string_view, Certificate> entries_;
    std::deque<std::string_view> order_;  // oldest first
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

// TrustStore holds the trust anchors chains are verified against. Move-only.
class TrustStore {
public:
    // TrustStore() starts empty (no system roots: anchors are explicit).
    TrustStore();
    // add makes cert a trust anchor.
    core::Status add(const Certificate& cert);
    // add_pem adds every certificate of a PEM bundle.
    core::Status add_pem(std::string_view pem);
    // size returns the number of anchors added.
    [[nodiscard]] std::size_t size() const noexcept { return count_; }

    // verify checks that leaf chains through intermediates (any order) to an
    // anchor and that every certificate is valid at time `at`.
    [[nodiscard]] core::Status verify(const Certificate& leaf, std::span<const Certificate> intermediates,
                                      core::WallTime at) const;

private:
    std::unique_ptr<x509_store_st, detail::StoreFree> store_;
    std::size_t count_ = 0;
};

// check_host is ok if cert covers DNS name host (subjectAltName dNSName, RFC
// 6125 §6.4; wildcards only as a whole left-most label); else NameMismatch.
core::Status check_host(const Certificate& cert, std::string_view host);

// check_ip is ok if cert has an iPAddress subjectAltName equal to ip (IPv4
// dotted or IPv6 text, RFC 5280 §4.2.1.6); else NameMismatch.
core::Status check_ip(const Certificate& cert, std::string_view ip);

// CertificateSpec describes a certificate for issue_certificate.
struct CertificateSpec {
    std::string common_name;
    std::vector<std::string> dns_names;     // subjectAltName dNSName entries
    std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries
    bool is_ca = false;                     // basicConstraints cA, keyCertSign
    core::WallTime not_before{};
    core::WallTime not_after{};
    std::uint64_t serial = 1;
};

// issue_certificate builds and signs a v3 certificate for subject_key per
// spec, signed by issuer_key under issuer's name (self-signed if issuer is
// null). SHA-256 for RSA and ECDSA issuers. For tests, tools and the self-test.
core::Result<Certificate> issue_certificate(const CertificateSpec& spec, const PublicKey& subject_key,
                                            const PrivateKey& issuer_key, const Certificate* issuer);

}  // namespace strata::crypto
