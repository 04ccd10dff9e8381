#include "ike/v2/certificates.hpp"

#include "core/reader.hpp"
#include "crypto/hash.hpp"

namespace strata::ike::v2 {

namespace {

constexpr std::size_t kSha1Length = 20;

// DER (X.690 §8.1, §10.1) as far as spki_of needs it.
constexpr std::uint8_t kDerSequence = 0x30;
constexpr std::uint8_t kDerVersionTag = 0xa0;  // [0] EXPLICIT Version

struct DerElement {
    std::uint8_t tag = 0;
    core::ByteView content;
    core::ByteView whole;  // tag, length and content
};

// read_element reads one element with a low tag number and a definite
// length (short form, or long form of up to four octets) off r.
std::optional<DerElement> read_element(core::Reader& r) {
    const core::ByteView from = r.rest();
    auto tag = r.u8();
    auto first = r.u8();
    if (!tag || !first || (*tag & 0x1f) == 0x1f) return std::nullopt;
    std::size_t len = *first;
    if ((*first & 0x80) != 0) {
        const unsigned n = *first & 0x7fU;
        if (n == 0 || n > 4) return std::nullopt;
        len = 0;
        for (unsigned i = 0; i < n; ++i) {
            auto b = r.u8();
            if (!b) return std::nullopt;
            len = (len << 8) | *b;
        }
    }
    auto content = r.bytes(len);
    if (!content) return std::nullopt;
    return DerElement{*tag, *content, from.first(from.size() - r.remaining())};
}

core::Result<PeerCertificate, CertFailure> refuse(std::string reason) {
    return core::fail(CertFailure{std::move(reason)});
}

}  // namespace

std::vector<RawPayload> cert_payloads(const std::vector<crypto::Certificate>& certs) {
    std::vector<RawPayload> out;
    for (const auto& c : certs) {
        auto der = c.to_der();
        if (!der) return {};
        out.push_back(RawPayload{PayloadType::CERT, false,
                                 encode_cert(Cert{kCertEncodingX509Signature, std::move(der).value()})});
    }
    return out;
}

core::Result<core::ByteView> spki_of(core::ByteView der) {
    core::Reader r(der);
    auto cert = read_element(r);
    if (!cert || cert->tag != kDerSequence || !r.empty()) return core::fail(core::Error::DecodeFailed);
    core::Reader c(cert->content);
    auto tbs = read_element(c);
    if (!tbs || tbs->tag != kDerSequence) return core::fail(core::Error::DecodeFailed);
    // RFC 5280 §4.1: TBSCertificate ::= SEQUENCE { version [0] EXPLICIT
    // (optional), serialNumber, signature, issuer, validity, subject,
    // subjectPublicKeyInfo, ... }.
    core::Reader t(tbs->content);
    auto first = t.peek_u8();
    if (!first) return core::fail(core::Error::DecodeFailed);
    std::size_t skip = *first == kDerVersionTag ? 6 : 5;
    for (; skip > 0; --skip) {
        if (!read_element(t)) return core::fail(core::Error::DecodeFailed);
    }
    auto spki = read_element(t);
    if (!spki || spki->tag != kDerSequence) return core::fail(core::Error::DecodeFailed);
    return spki->whole;
}

std::optional<RawPayload> certreq_payload(const std::vector<crypto::Certificate>& cas) {
    // RFC 7296 §3.7: for X.509, the Certification Authority field is a
    // concatenation of SHA-1 hashes of the anchors' SubjectPublicKeyInfo,
    // taken from the certificate's DER as it is (re-encoding the key through
    // libcrypto's encoder would cost as much as a signature).
    core::Bytes hashes;
    for (const auto& ca : cas) {
        auto der = ca.to_der();
        if (!der) continue;
        auto spki = spki_of(*der);
        if (!spki) continue;
        auto h = crypto::digest(crypto::HashAlg::Sha1, *spki);
        if (!h) continue;
        hashes.insert(hashes.end(), h->begin(), h->end());
    }
    if (hashes.empty()) return std::nullopt;
    return RawPayload{PayloadType::CERTREQ, false,
                      encode_cert(Cert{kCertEncodingX509Signature, std::move(hashes)})};
}

core::Result<std::vector<core::Bytes>> parse_certreq_hashes(core::ByteView data) {
    if (data.size() % kSha1Length != 0) return core::fail(core::Error::DecodeFailed);
    std::vector<core::Bytes> out;
    for (std::size_t at = 0; at < data.size(); at += kSha1Length)
        out.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(at),
                         data.begin() + static_cast<std::ptrdiff_t>(at + kSha1Length));
    return out;
}

core::Result<PeerCertificate, CertFailure> check_peer_certificates(
    const std::vector<RawPayload>& payloads, const Identity& peer_id,
    const std::vector<crypto::Certificate>& anchors, core::WallTime at, crypto::CertificateCache* cache) {
    std::vector<Cert> bodies;
    for (const auto& p : payloads) {
        if (p.type != PayloadType::CERT) continue;
        if (bodies.size() >= kMaxPeerCertificates) return refuse("too many CERT payloads");
        auto c = parse_cert(p.body);
        if (!c) return refuse("malformed CERT payload");
        bodies.push_back(std::move(c).value());
    }
    std::vector<CertData> certs;
    certs.reserve(bodies.size());
    for (const auto& c : bodies) certs.push_back(CertData{c.encoding, c.data});
    return check_peer_chain(certs, peer_id, anchors, at, cache);
}

}  // namespace strata::ike::v2
