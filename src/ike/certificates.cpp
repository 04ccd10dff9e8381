#include "ike/certificates.hpp"

#include "crypto/x509_names.hpp"
#include "packet/address.hpp"

namespace strata::ike {

namespace {

std::string text_of(const core::Bytes& b) { return {b.begin(), b.end()}; }

core::Result<PeerCertificate, CertFailure> refuse(std::string reason) {
    return core::fail(CertFailure{std::move(reason)});
}

}  // namespace

core::Result<Identity> default_identity(const crypto::Certificate& cert) {
    auto dn = crypto::subject_der(cert);
    if (!dn) return core::fail(dn.error());
    return Identity{IdType::DerAsn1Dn, std::move(dn).value()};
}

bool identity_matches(const crypto::Certificate& cert, const Identity& id) {
    switch (id.type) {
        case IdType::Fqdn: return static_cast<bool>(crypto::check_host(cert, text_of(id.data)));
        case IdType::Rfc822: return static_cast<bool>(crypto::check_email(cert, text_of(id.data)));
        case IdType::Ipv4:
        case IdType::Ipv6: {
            auto a = packet::IpAddress::from_bytes(id.data);
            if (!a || a->is_v4() != (id.type == IdType::Ipv4)) return false;
            return static_cast<bool>(crypto::check_ip(cert, a->to_string()));
        }
        case IdType::DerAsn1Dn: {
            auto dn = crypto::subject_der(cert);
            return dn && crypto::same_dn(*dn, id.data);
        }
        case IdType::KeyId: return false;
    }
    return false;
}

core::Result<PeerCertificate, CertFailure> check_peer_chain(std::span<const CertData> certs,
                                                            const Identity& peer_id,
                                                            const std::vector<crypto::Certificate>& anchors,
                                                            core::WallTime at,
                                                            crypto::CertificateCache* cache) {
    std::vector<crypto::Certificate> parsed;
    for (const auto& c : certs) {
        if (parsed.size() >= kMaxPeerCertificates) return refuse("too many CERT payloads");
        if (c.encoding != kCertEncodingX509Signature) {
            // Only the first (end-entity) one matters for the key; others
            // of encodings we do not handle are not usable as intermediates.
            if (parsed.empty()) return refuse("unsupported CERT encoding " + std::to_string(c.encoding));
            continue;
        }
        auto x = cache != nullptr ? cache->parse(c.data) : crypto::Certificate::from_der(c.data);
        if (!x) return refuse("CERT payload is not a DER X.509 certificate");
        parsed.push_back(std::move(x).value());
    }
    // RFC 7296 §3.6, RFC 4945 §3.3: the first certificate holds the key that
    // verifies the peer's AUTH (IKEv2) or SIG (IKEv1) payload.
    if (parsed.empty()) return refuse("no CERT payload from peer");
    if (anchors.empty()) return refuse("no CA configured to verify the peer's certificate");
    crypto::TrustStore store;
    for (const auto& a : anchors)
        if (!store.add(a)) return refuse("CA certificate not usable");
    const std::span<const crypto::Certificate> intermediates(parsed.data() + 1, parsed.size() - 1);
    if (auto st = store.verify(parsed.front(), intermediates, at); !st) {
        return refuse(std::string("peer certificate \"") + parsed.front().subject() + "\" " +
                      (st.error() == core::Error::CertificateExpired ? "is outside its validity period"
                                                                     : "does not chain to a configured CA"));
    }
    if (!identity_matches(parsed.front(), peer_id)) {
        return refuse("peer identity " + to_string(peer_id) + " is not in its certificate \"" +
                      parsed.front().subject() + "\"");
    }
    auto key = parsed.front().public_key();
    if (!key) return refuse("peer certificate key not usable");
    return PeerCertificate{parsed.front(), std::move(key).value()};
}

}  // namespace strata::ike
