#include "ike/v1/phase1_auth.hpp"

#include "crypto/prehashed_signature.hpp"
#include "crypto/x509_names.hpp"

namespace strata::ike::v1 {

namespace {

core::Result<PeerCertificate, PeerAuthFailure> refuse(NotifyType n, std::string reason) {
    return core::fail(PeerAuthFailure{n, std::move(reason)});
}

// method_for_key is the method a key of type t signs with (RFC 2409
// Appendix A, RFC 4754 §6).
std::optional<std::uint16_t> method_for_key(crypto::KeyType t) noexcept {
    switch (t) {
        case crypto::KeyType::Rsa: return kAuthRsaSignature;
        case crypto::KeyType::EcP256: return kAuthEcdsaP256Sha256;
        case crypto::KeyType::EcP384: return kAuthEcdsaP384Sha384;
        default: return std::nullopt;
    }
}

}  // namespace

std::optional<std::uint16_t> auth_method_of(const ConnectionConfig& c) {
    if (c.auth == AuthKind::Psk) return kAuthPreSharedKey;
    if (!c.private_key) return std::nullopt;
    return method_for_key(c.private_key->type());
}

bool is_signature_method(std::uint16_t method) noexcept {
    return method == kAuthRsaSignature || method == kAuthEcdsaP256Sha256 || method == kAuthEcdsaP384Sha384;
}

std::string_view method_name(std::uint16_t method) noexcept {
    switch (method) {
        case kAuthPreSharedKey: return "psk";
        case kAuthRsaSignature: return "rsa-sig";
        case kAuthEcdsaP256Sha256: return "ecdsa-256";
        case kAuthEcdsaP384Sha384: return "ecdsa-384";
        default: return "unknown";
    }
}

Identity local_identity(const ConnectionConfig& c) {
    if (!c.local_id.data.empty() || c.auth != AuthKind::PublicKey || c.local_certs.empty()) return c.local_id;
    auto dn = default_identity(c.local_certs.front());
    return dn ? std::move(dn).value() : c.local_id;
}

std::vector<OutPayload> certreq_payloads(const ConnectionConfig& c) {
    std::vector<OutPayload> out;
    for (const auto& ca : c.ca_certs) {
        auto dn = crypto::subject_der(ca);
        if (!dn) continue;
        out.push_back(
            OutPayload{PayloadType::CertificateRequest,
                       encode_cert(CertPayload{kCertEncodingX509Signature, std::move(dn).value()})});
    }
    return out;
}

std::vector<OutPayload> cert_payloads(const ConnectionConfig& c) {
    std::vector<OutPayload> out;
    for (const auto& cert : c.local_certs) {
        const core::ByteView der = cert.der();
        if (der.empty()) continue;
        out.push_back(OutPayload{
            PayloadType::Certificate,
            encode_cert(CertPayload{kCertEncodingX509Signature, core::Bytes(der.begin(), der.end())})});
    }
    return out;
}

core::Result<Phase1Keys, Error> derive_phase1(const ConnectionConfig& c, const Phase1Choice& choice,
                                              core::ByteView ni_b, core::ByteView nr_b, core::ByteView g_xy,
                                              core::ByteView cky_i, core::ByteView cky_r) {
    const crypto::HashAlg hash = choice.hash->hash;
    const std::size_t key_len = choice.encryption->key_len;
    if (is_signature_method(choice.auth_method))
        return derive_phase1_signature(hash, ni_b, nr_b, g_xy, cky_i, cky_r, key_len);
    return derive_phase1_psk(hash, c.psk, ni_b, nr_b, g_xy, cky_i, cky_r, key_len);
}

core::Result<core::Bytes, Error> sign_hash(const ConnectionConfig& c, core::ByteView hash) {
    if (!c.private_key) return core::fail(Error::Internal);
    auto sig = crypto::sign_prehashed(*c.private_key, hash);
    if (!sig) return core::fail(Error::Internal);
    return std::move(sig).value();
}

core::Result<PeerCertificate, PeerAuthFailure> check_signed_peer(
    const ConnectionConfig& c, std::uint16_t method, const std::vector<RawPayload>& chain,
    const Identity& peer_id, core::ByteView expected_hash, core::WallTime at,
    crypto::CertificateCache* cache) {
    // RFC 2409 §5.1: the SIG payload replaces HASH; exactly one.
    if (const std::size_t n = count_payloads(chain, PayloadType::Signature); n != 1)
        return refuse(NotifyType::PayloadMalformed,
                      n == 0 ? "no SIG payload from peer" : "more than one SIG payload from peer");
    std::vector<CertPayload> bodies;
    for (const auto& p : chain) {
        if (p.type != PayloadType::Certificate) continue;
        if (bodies.size() >= kMaxPeerCertificates)
            return refuse(NotifyType::InvalidCertificate, "too many CERT payloads");
        auto cert = decode_cert(p.body);
        if (!cert) return refuse(NotifyType::InvalidCertEncoding, "malformed CERT payload");
        bodies.push_back(std::move(cert).value());
    }
    // Strata does not keep peer certificates of its own: the peer must send
    // its certificate (it asked with CERTREQ in MM3/MM4).
    if (bodies.empty()) return refuse(NotifyType::CertificateUnavailable, "no CERT payload from peer");
    std::vector<CertData> certs;
    certs.reserve(bodies.size());
    for (const auto& b : bodies) certs.push_back(CertData{b.encoding, b.data});
    auto peer = check_peer_chain(certs, peer_id, c.ca_certs, at, cache);
    if (!peer) return refuse(NotifyType::InvalidCertificate, peer.error().reason);
    if (method_for_key(peer->key.type()) != method) {
        return refuse(NotifyType::InvalidCertificate,
                      std::string("peer certificate's ") + std::string(crypto::to_string(peer->key.type())) +
                          " key does not fit the negotiated " + std::string(method_name(method)) +
                          " authentication");
    }
    const RawPayload* sig = find_payload(chain, PayloadType::Signature);
    if (!crypto::verify_prehashed(peer->key, expected_hash, sig->body)) {
        return refuse(NotifyType::InvalidSignature,
                      std::string("peer signature (") + std::string(method_name(method)) +
                          ") does not verify with the key of \"" + peer->leaf.subject() + "\"");
    }
    return std::move(peer).value();
}

}  // namespace strata::ike::v1
