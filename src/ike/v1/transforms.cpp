#include "ike/v1/transforms.hpp"

#include <algorithm>

#include "ike/v1/natt.hpp"

namespace strata::ike::v1 {

namespace {
using core::fail;

constexpr std::uint16_t a1(Phase1Attr a) { return static_cast<std::uint16_t>(a); }
constexpr std::uint16_t a2(Phase2Attr a) { return static_cast<std::uint16_t>(a); }

const crypto::EncryptionInfo* find_p1_encryption(std::uint16_t id, std::uint16_t bits) {
    for (const auto& e : crypto::encryption_table())
        if (e.ikev1_p1_id == id && e.ikev1_p1_id != crypto::kNoId && !e.aead && e.key_bits == bits) return &e;
    return nullptr;
}

const crypto::EncryptionInfo* find_esp_encryption(std::uint16_t id, std::uint16_t bits) {
    for (const auto& e : crypto::encryption_table())
        if (e.ikev1_esp_id == id && !e.aead && e.cipher_alg != crypto::CipherAlg::Null && e.key_bits == bits)
            return &e;
    return nullptr;
}

const crypto::PrfInfo* find_p1_hash(std::uint16_t id) {
    for (const auto& p : crypto::prf_table())
        if (p.ikev1_hash_id == id) return &p;
    return nullptr;
}

const crypto::IntegrityInfo* find_auth_attr(std::uint16_t id) {
    for (const auto& i : crypto::integrity_table())
        if (i.ikev1_auth_attr == id) return &i;
    return nullptr;
}

const crypto::IntegrityInfo* find_ah(std::uint16_t id) {
    for (const auto& i : crypto::integrity_table())
        if (i.ikev1_ah_id == id) return &i;
    return nullptr;
}

// life reads a (type, duration) pair list (RFC 2407 §4.5: a Life Duration
// follows the Life Type it qualifies).
core::Result<std::pair<std::uint64_t, std::uint64_t>, Error> read_lives(const Transform& t,
                                                                        std::uint16_t type_attr,
                                                                        std::uint16_t duration_attr) {
    std::uint64_t seconds = 0;
    std::uint64_t kilobytes = 0;
    std::uint16_t pending = 0;
    for (const Attribute& a : t.attributes) {
        if (a.type == type_attr) {
            if (!a.basic || (a.value != kLifeSeconds && a.value != kLifeKilobytes))
                return fail(Error::AttributesNotSupported);
            pending = a.value;
        } else if (a.type == duration_attr) {
            auto n = a.number();
            if (!n || pending == 0) return fail(Error::AttributesNotSupported);
            (pending == kLifeSeconds ? seconds : kilobytes) = *n;
            pending = 0;
        }
    }
    return std::pair{seconds, kilobytes};
}

bool contains(const std::vector<crypto::Proposal>& props, const Phase1Choice& c) {
    for (const auto& p : props)
        if (std::find(p.encryption.begin(), p.encryption.end(), c.encryption) != p.encryption.end() &&
            std::find(p.prf.begin(), p.prf.end(), c.hash) != p.prf.end() &&
            std::find(p.dh.begin(), p.dh.end(), c.group) != p.dh.end())
            return true;
    return false;
}

bool allows(const Phase2Offer& local, const Phase2Choice& c) {
    if (c.protocol != local.protocol || c.mode != local.mode || c.udp_encap != local.udp_encap) return false;
    for (const auto& p : local.proposals) {
        const bool enc_ok =
            c.protocol == ipsec::Protocol::Ah
                ? c.encryption == nullptr
                : std::find(p.encryption.begin(), p.encryption.end(), c.encryption) != p.encryption.end();
        const bool integ_ok =
            std::find(p.integrity.begin(), p.integrity.end(), c.integrity) != p.integrity.end();
        const bool dh_ok =
            p.dh.empty() ? c.pfs == nullptr
                         : (c.pfs != nullptr && std::find(p.dh.begin(), p.dh.end(), c.pfs) != p.dh.end());
        if (enc_ok && integ_ok && dh_ok) return true;
    }
    return false;
}

std::uint64_t cap(std::uint64_t offered, std::uint64_t local) {
    if (offered == 0) return local;
    if (local == 0) return offered;
    return std::min(offered, local);
}

std::uint32_t spi_value(const core::Bytes& spi) {
    std::uint32_t v = 0;
    for (std::uint8_t b : spi) v = (v << 8) | b;
    return v;
}

core::Bytes spi_bytes(std::uint32_t spi) {
    return {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
            static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}

std::uint8_t wire_protocol(ipsec::Protocol p) {
    return static_cast<std::uint8_t>(p == ipsec::Protocol::Ah ? ProtocolId::Ah : ProtocolId::Esp);
}
}  // namespace

SaPayload phase1_offer(const std::vector<crypto::Proposal>& proposals, std::uint64_t life_seconds,
                       std::uint16_t auth_method) {
    Proposal prop;
    prop.number = 1;
    prop.protocol = static_cast<std::uint8_t>(ProtocolId::Isakmp);
    std::uint8_t n = 0;
    for (const auto& p : proposals) {
        for (const auto* e : p.encryption) {
            if (e->ikev1_p1_id == crypto::kNoId) continue;
            for (const auto* h : p.prf) {
                for (const auto* g : p.dh) {
                    if (n == 255) break;
                    Transform t;
                    t.number = ++n;
                    t.id = kTransformKeyIke;  // RFC 2409 §5: KEY_IKE
                    t.attributes.push_back(
                        Attribute::basic_of(a1(Phase1Attr::EncryptionAlgorithm), e->ikev1_p1_id));
                    if (e->key_bits != 0)
                        t.attributes.push_back(Attribute::basic_of(a1(Phase1Attr::KeyLength), e->key_bits));
                    t.attributes.push_back(
                        Attribute::basic_of(a1(Phase1Attr::HashAlgorithm), h->ikev1_hash_id));
                    t.attributes.push_back(
                        Attribute::basic_of(a1(Phase1Attr::AuthenticationMethod), auth_method));
                    t.attributes.push_back(Attribute::basic_of(a1(Phase1Attr::GroupDescription),
                                                               static_cast<std::uint16_t>(g->group)));
                    if (life_seconds != 0) {
                        t.attributes.push_back(Attribute::basic_of(a1(Phase1Attr::LifeType), kLifeSeconds));
                        t.attributes.push_back(number_attribute(a1(Phase1Attr::LifeDuration), life_seconds));
                    }
                    prop.transforms.push_back(std::move(t));
                }
            }
        }
    }
    SaPayload sa;
    sa.proposals.push_back(std::move(prop));
    return sa;
}

core::Result<Phase1Choice, Error> read_phase1_transform(const Transform& t) {
    if (t.id != kTransformKeyIke) return fail(Error::NoProposalChosen);
    std::optional<std::uint16_t> enc;
    std::optional<std::uint16_t> hash;
    std::optional<std::uint16_t> auth;
    std::optional<std::uint16_t> group;
    std::uint16_t key_bits = 0;
    for (const Attribute& a : t.attributes) {
        const auto v = a.number();
        switch (static_cast<Phase1Attr>(a.type)) {
            case Phase1Attr::EncryptionAlgorithm:
                enc = a.basic ? std::optional(a.value) : std::nullopt;
                break;
            case Phase1Attr::HashAlgorithm: hash = a.basic ? std::optional(a.value) : std::nullopt; break;
            case Phase1Attr::AuthenticationMethod:
                auth = a.basic ? std::optional(a.value) : std::nullopt;
                break;
            case Phase1Attr::GroupDescription: group = a.basic ? std::optional(a.value) : std::nullopt; break;
            case Phase1Attr::KeyLength:
                if (!v || *v > 0xffff) return fail(Error::AttributesNotSupported);
                key_bits = static_cast<std::uint16_t>(*v);
                break;
            case Phase1Attr::LifeType:
            case Phase1Attr::LifeDuration: break;  // read below
            case Phase1Attr::GroupType:
            case Phase1Attr::Prf:
            default: return fail(Error::AttributesNotSupported);
        }
    }
    // RFC 2409 §5: these four are mandatory in every phase 1 transform.
    if (!enc || !hash || !auth || !group) return fail(Error::AttributesNotSupported);
    // RFC 2409 §5: pre-shared key (1) or RSA signatures (3); RFC 4754 §6:
    // ECDSA with P-256/SHA-256 (9) or P-384/SHA-384 (10).
    if (*auth != kAuthPreSharedKey && *auth != kAuthRsaSignature && *auth != kAuthEcdsaP256Sha256 &&
        *auth != kAuthEcdsaP384Sha384)
        return fail(Error::NoProposalChosen);
    Phase1Choice c;
    c.auth_method = *auth;
    c.encryption = find_p1_encryption(*enc, key_bits);
    c.hash = find_p1_hash(*hash);
    c.group = crypto::find_dh(static_cast<crypto::DhGroup>(*group));
    if (c.encryption == nullptr || c.hash == nullptr || c.group == nullptr)
        return fail(Error::NoProposalChosen);
    auto lives = read_lives(t, a1(Phase1Attr::LifeType), a1(Phase1Attr::LifeDuration));
    if (!lives) return fail(lives.error());
    c.life_seconds = lives->first;
    return c;
}

core::Result<Phase1Selection, Error> select_phase1(const SaPayload& offered,
                                                   const std::vector<crypto::Proposal>& local,
                                                   std::uint16_t auth_method) {
    // RFC 2409 §5: main mode carries exactly one proposal, for ISAKMP.
    if (offered.proposals.size() != 1) return fail(Error::BadProposalSyntax);
    const Proposal& p = offered.proposals.front();
    if (p.protocol != static_cast<std::uint8_t>(ProtocolId::Isakmp)) return fail(Error::InvalidProtocolId);
    for (const Transform& t : p.transforms) {
        auto c = read_phase1_transform(t);
        if (!c) continue;  // RFC 2408 §5.4: an unusable transform is skipped
        if (c->auth_method != auth_method || !contains(local, *c)) continue;
        Phase1Selection s;
        s.choice = *c;
        Proposal reply = p;
        reply.transforms = {t};
        s.reply.doi = offered.doi;
        s.reply.situation = offered.situation;
        s.reply.proposals.push_back(std::move(reply));
        return s;
    }
    return fail(Error::NoProposalChosen);
}

const crypto::DhInfo* pfs_group(const Phase2Offer& offer) {
    if (offer.proposals.empty() || offer.proposals.front().dh.empty()) return nullptr;
    return offer.proposals.front().dh.front();
}

SaPayload phase2_sa(const Phase2Offer& offer, std::uint32_t spi) {
    SaPayload sa;
    const crypto::DhInfo* group = pfs_group(offer);
    std::uint8_t pn = 0;
    for (const auto& p : offer.proposals) {
        // One KE payload serves the whole offer, so every proposal uses its group.
        const crypto::DhInfo* g = p.dh.empty() ? nullptr : p.dh.front();
        if (g != group) continue;
        Proposal prop;
        prop.number = ++pn;
        prop.protocol = wire_protocol(offer.protocol);
        prop.spi = spi_bytes(spi);
        std::uint8_t tn = 0;
        auto add = [&](std::uint8_t id, const crypto::EncryptionInfo* e, const crypto::IntegrityInfo* i) {
            Transform t;
            t.number = ++tn;
            t.id = id;
            // RFC 2407 §4.5: SA life type/duration, group, mode, auth, key length.
            if (offer.life_seconds != 0) {
                t.attributes.push_back(Attribute::basic_of(a2(Phase2Attr::LifeType), kLifeSeconds));
                t.attributes.push_back(number_attribute(a2(Phase2Attr::LifeDuration), offer.life_seconds));
            }
            if (offer.life_kilobytes != 0) {
                t.attributes.push_back(Attribute::basic_of(a2(Phase2Attr::LifeType), kLifeKilobytes));
                t.attributes.push_back(number_attribute(a2(Phase2Attr::LifeDuration), offer.life_kilobytes));
            }
            if (group != nullptr)
                t.attributes.push_back(Attribute::basic_of(a2(Phase2Attr::GroupDescription),
                                                           static_cast<std::uint16_t>(group->group)));
            // RFC 3947 §5.1: behind a NAT the UDP-encapsulated modes.
            const bool tunnel = offer.mode == ipsec::Mode::Tunnel;
            const std::uint16_t mode = offer.udp_encap ? (tunnel ? kEncapUdpTunnel : kEncapUdpTransport)
                                                       : (tunnel ? kEncapTunnel : kEncapTransport);
            t.attributes.push_back(Attribute::basic_of(a2(Phase2Attr::EncapsulationMode), mode));
            t.attributes.push_back(
                Attribute::basic_of(a2(Phase2Attr::AuthenticationAlgorithm), i->ikev1_auth_attr));
            if (e != nullptr && e->key_bits != 0)
                t.attributes.push_back(Attribute::basic_of(a2(Phase2Attr::KeyLength), e->key_bits));
            prop.transforms.push_back(std::move(t));
        };
        if (offer.protocol == ipsec::Protocol::Ah) {
            for (const auto* i : p.integrity)
                if (i->ikev1_ah_id != crypto::kNoId)
                    add(static_cast<std::uint8_t>(i->ikev1_ah_id), nullptr, i);
        } else {
            for (const auto* e : p.encryption) {
                if (e->aead || e->ikev1_esp_id == crypto::kNoId) continue;
                for (const auto* i : p.integrity) add(static_cast<std::uint8_t>(e->ikev1_esp_id), e, i);
            }
        }
        if (!prop.transforms.empty()) sa.proposals.push_back(std::move(prop));
    }
    return sa;
}

core::Result<Phase2Choice, Error> read_phase2_transform(std::uint8_t protocol, const Transform& t) {
    Phase2Choice c;
    std::optional<std::uint16_t> auth;
    std::optional<std::uint16_t> mode;
    std::uint16_t key_bits = 0;
    for (const Attribute& a : t.attributes) {
        const auto v = a.number();
        switch (static_cast<Phase2Attr>(a.type)) {
            case Phase2Attr::LifeType:
            case Phase2Attr::LifeDuration: break;
            case Phase2Attr::GroupDescription:
                if (!a.basic) return fail(Error::AttributesNotSupported);
                c.pfs = crypto::find_dh(static_cast<crypto::DhGroup>(a.value));
                if (c.pfs == nullptr) return fail(Error::NoProposalChosen);
                break;
            case Phase2Attr::EncapsulationMode:
                if (!a.basic) return fail(Error::AttributesNotSupported);
                mode = a.value;
                break;
            case Phase2Attr::AuthenticationAlgorithm:
                if (!a.basic) return fail(Error::AttributesNotSupported);
                auth = a.value;
                break;
            case Phase2Attr::KeyLength:
                if (!v || *v > 0xffff) return fail(Error::AttributesNotSupported);
                key_bits = static_cast<std::uint16_t>(*v);
                break;
            default: return fail(Error::AttributesNotSupported);
        }
    }
    if (!mode) return fail(Error::NoProposalChosen);
    switch (*mode) {
        case kEncapTunnel: c.mode = ipsec::Mode::Tunnel; break;
        case kEncapTransport: c.mode = ipsec::Mode::Transport; break;
        case kEncapUdpTunnel:
        case kEncapUdpTunnelDraft:
            c.mode = ipsec::Mode::Tunnel;
            c.udp_encap = true;
            break;
        case kEncapUdpTransport:
        case kEncapUdpTransportDraft:
            c.mode = ipsec::Mode::Transport;
            c.udp_encap = true;
            break;
        default: return fail(Error::NoProposalChosen);
    }
    if (protocol == static_cast<std::uint8_t>(ProtocolId::Esp)) {
        c.protocol = ipsec::Protocol::Esp;
        c.encryption = find_esp_encryption(t.id, key_bits);
        // This engine always pairs a CBC cipher with an integrity algorithm.
        if (c.encryption == nullptr || !auth) return fail(Error::NoProposalChosen);
        c.integrity = find_auth_attr(*auth);
    } else if (protocol == static_cast<std::uint8_t>(ProtocolId::Ah)) {
        c.protocol = ipsec::Protocol::Ah;
        c.integrity = find_ah(t.id);
        if (c.integrity != nullptr && auth && *auth != c.integrity->ikev1_auth_attr) c.integrity = nullptr;
    } else {
        return fail(Error::InvalidProtocolId);
    }
    if (c.integrity == nullptr) return fail(Error::NoProposalChosen);
    auto lives = read_lives(t, a2(Phase2Attr::LifeType), a2(Phase2Attr::LifeDuration));
    if (!lives) return fail(lives.error());
    c.life_seconds = lives->first;
    c.life_kilobytes = lives->second;
    return c;
}

core::Result<Phase2Selection, Error> select_phase2(const SaPayload& offered, const Phase2Offer& local,
                                                   std::uint32_t my_spi) {
    if (offered.proposals.empty()) return fail(Error::BadProposalSyntax);
    for (const Proposal& p : offered.proposals) {
        if (p.spi.size() != 4) return fail(Error::InvalidSpi);
        for (const Transform& t : p.transforms) {
            auto c = read_phase2_transform(p.protocol, t);
            if (!c || !allows(local, *c)) continue;
            Phase2Selection s;
            s.choice = *c;
            s.choice.life_seconds = cap(c->life_seconds, local.life_seconds);
            s.choice.life_kilobytes = cap(c->life_kilobytes, local.life_kilobytes);
            s.peer_spi = spi_value(p.spi);
            Proposal reply = p;
            reply.spi = spi_bytes(my_spi);
            reply.transforms = {t};
            s.reply.doi = offered.doi;
            s.reply.situation = offered.situation;
            s.reply.proposals.push_back(std::move(reply));
            return s;
        }
    }
    return fail(Error::NoProposalChosen);
}

core::Result<Phase2Selection, Error> accept_phase2_reply(const SaPayload& reply, const Phase2Offer& offered) {
    // RFC 2408 §4.2: the responder returns one proposal with one transform.
    if (reply.proposals.size() != 1 || reply.proposals.front().transforms.size() != 1)
        return fail(Error::BadProposalSyntax);
    const Proposal& p = reply.proposals.front();
    if (p.spi.size() != 4 || spi_value(p.spi) <= 255) return fail(Error::InvalidSpi);
    auto c = read_phase2_transform(p.protocol, p.transforms.front());
    if (!c || !allows(offered, *c)) return fail(Error::NoProposalChosen);
    Phase2Selection s;
    s.choice = *c;
    s.choice.life_seconds = cap(c->life_seconds, offered.life_seconds);
    s.choice.life_kilobytes = cap(c->life_kilobytes, offered.life_kilobytes);
    s.peer_spi = spi_value(p.spi);
    s.reply = reply;
    return s;
}

NegotiatedIke to_negotiated(const Phase1Choice& c) {
    NegotiatedIke n;
    n.encryption = c.encryption;
    n.prf = c.hash;
    n.dh = c.group;
    if (c.hash != nullptr)
        for (const auto& i : crypto::integrity_table())
            if (crypto::mac_hash(i.mac) == c.hash->hash) n.integrity = &i;
    return n;
}

NegotiatedChild to_negotiated(const Phase2Choice& c) {
    NegotiatedChild n;
    n.encryption = c.encryption;
    n.integrity = c.integrity;
    n.dh = c.pfs;
    return n;
}

}  // namespace strata::ike::v1
