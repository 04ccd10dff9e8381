// certificate_auth.cpp: CertificateVerify signing/checking and chain verification.
#include "tls/certificate_auth.hpp"

#include <arpa/inet.h>
#include <algorithm>
#include <string>

#include "crypto/algorithm_table.hpp"
#include "tls/messages13.hpp"

namespace strata::tls {

namespace {

bool is_ip_literal(std::string_view name) {
    const std::string s(name);
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

bool tls13_signature_allowed(std::uint16_t scheme) noexcept {
    const auto* row = crypto::find_signature_scheme(scheme);
    if (row == nullptr) return false;
    switch (row->alg) {
        case crypto::SignatureAlg::RsaPkcs1Sha256:
        case crypto::SignatureAlg::RsaPkcs1Sha384:
        case crypto::SignatureAlg::RsaPkcs1Sha512: return false;  // RFC 8446 §4.2.3
        default: return true;
    }
}

std::optional<std::uint16_t> choose_signature_scheme(const crypto::PrivateKey& key,
                                                     std::span<const std::uint16_t> ours,
                                                     std::span<const std::uint16_t> peer, bool tls13) {
    for (auto s : ours) {
        if (std::find(peer.begin(), peer.end(), s) == peer.end()) continue;
        if (tls13 && !tls13_signature_allowed(s)) continue;
        const auto* row = crypto::find_signature_scheme(s);
        if (row != nullptr && crypto::key_fits(key.type(), row->alg)) return s;
    }
    return std::nullopt;
}

Result<core::Bytes> sign_certificate_verify(const crypto::PrivateKey& key, std::uint16_t scheme, bool server,
                                            core::ByteView transcript_hash) {
    const auto* row = crypto::find_signature_scheme(scheme);
    if (row == nullptr) return fail(Error::InternalError);
    auto sig = crypto::sign(key, row->alg, certificate_verify_content(server, transcript_hash));
    if (!sig) return fail(Error::Crypto);
    return std::move(*sig);
}

Status check_certificate_verify(const crypto::PublicKey& key, std::uint16_t scheme,
                                std::span<const std::uint16_t> offered, bool peer_is_server,
                                core::ByteView transcript_hash, core::ByteView signature) {
    // RFC 8446 §4.4.3: the algorithm MUST be one offered in signature_algorithms.
    if (std::find(offered.begin(), offered.end(), scheme) == offered.end() ||
        !tls13_signature_allowed(scheme)) {
        return fail(Error::IllegalParameter);
    }
    const auto* row = crypto::find_signature_scheme(scheme);
    if (row == nullptr || !crypto::key_fits(key.type(), row->alg)) return fail(Error::IllegalParameter);
    auto ok =
        crypto::verify(key, row->alg, certificate_verify_content(peer_is_server, transcript_hash), signature);
    if (!ok) return fail(Error::DecryptError);
    return {};
}

Result<PeerChain> decode_chain(std::span<const core::Bytes> der) {
    PeerChain chain;
    chain.certificates.reserve(der.size());
    for (const auto& d : der) {
        // A chain seen before (the same server's, on every connection) is not
        // decoded again; verify_chain still checks it every time.
        auto c = crypto::CertificateCache::shared().parse(d);
        if (!c) return fail(Error::BadCertificate);
        chain.certificates.push_back(std::move(*c));
    }
    return chain;
}

Status verify_chain(const PeerChain& chain, const crypto::TrustStore& trust, core::WallTime at,
                    std::string_view name) {
    if (chain.certificates.empty()) return fail(Error::BadCertificate);
    std::span<const crypto::Certificate> rest(chain.certificates);
    auto v = trust.verify(chain.certificates.front(), rest.subspan(1), at);
    if (!v) {
        return fail(v.error() == core::Error::CertificateExpired ? Error::CertificateExpired
                                                                 : Error::UnknownCa);
    }
    if (!name.empty()) {
        auto n = is_ip_literal(name) ? crypto::check_ip(chain.certificates.front(), name)
                                     : crypto::check_host(chain.certificates.front(), name);
        if (!n) return fail(Error::BadCertificate);
    }
    return {};
}

}  // namespace strata::tls
