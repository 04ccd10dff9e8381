#include "ike/v2/negotiation.hpp"

#include <algorithm>

namespace strata::ike::v2 {

namespace {

Transform encr_transform(const crypto::EncryptionInfo* e) {
    Transform t{TransformType::Encryption, e->ikev2_id, std::nullopt, false};
    if (e->key_bits != 0) t.key_bits = e->key_bits;
    return t;
}

std::vector<bool> esn_list(const crypto::Proposal& p) {
    return p.esn.empty() ? std::vector<bool>{false} : p.esn;
}

// Chosen gathers one transform of each type while a proposal is checked.
struct Chosen {
    const crypto::EncryptionInfo* encr = nullptr;
    const crypto::IntegrityInfo* integ = nullptr;
    const crypto::PrfInfo* prf = nullptr;
    const crypto::DhInfo* dh = nullptr;
    std::optional<bool> esn;
    bool has_integ = false, has_prf = false, has_dh = false, has_esn = false;
    bool unknown = false;  // a type we cannot accept at all
};

// match walks the offered transforms in the peer's order and keeps the first
// of each type that cfg allows.
Chosen match(const Proposal& offered, const crypto::Proposal& cfg, bool use_dh) {
    Chosen c;
    for (const auto& t : offered.transforms) {
        if (t.unknown_attribute) continue;  // RFC 7296 §3.3.6: skip transforms with unknown attributes
        switch (t.type) {
            case TransformType::Encryption: {
                const auto* e = crypto::find_encryption_ikev2(t.id, t.key_bits.value_or(0));
                if (c.encr == nullptr && e != nullptr &&
                    std::find(cfg.encryption.begin(), cfg.encryption.end(), e) != cfg.encryption.end())
                    c.encr = e;
                break;
            }
            case TransformType::Integrity: {
                c.has_integ = true;
                const auto* i = crypto::find_integrity_ikev2(t.id);
                if (c.integ == nullptr && i != nullptr &&
                    std::find(cfg.integrity.begin(), cfg.integrity.end(), i) != cfg.integrity.end())
                    c.integ = i;
                break;
            }
            case TransformType::Prf: {
                c.has_prf = true;
                const auto* p = crypto::find_prf_ikev2(t.id);
                if (c.prf == nullptr && p != nullptr &&
                    std::find(cfg.prf.begin(), cfg.prf.end(), p) != cfg.prf.end())
                    c.prf = p;
                break;
            }
            case TransformType::Dh: {
                if (!use_dh) break;
                if (t.id == 0) break;  // NONE
                c.has_dh = true;
                const auto* d = crypto::find_dh(static_cast<crypto::DhGroup>(t.id));
                if (c.dh == nullptr && d != nullptr &&
                    std::find(cfg.dh.begin(), cfg.dh.end(), d) != cfg.dh.end())
                    c.dh = d;
                break;
            }
            case TransformType::Esn: {
                c.has_esn = true;
                const auto allowed = esn_list(cfg);
                if (!c.esn && t.id <= 1 &&
                    std::find(allowed.begin(), allowed.end(), t.id == 1) != allowed.end())
                    c.esn = t.id == 1;
                break;
            }
            default: c.unknown = true; break;
        }
    }
    return c;
}

Proposal reply_of(const Proposal& offered, const Chosen& c) {
    Proposal r;
    r.number = offered.number;
    r.protocol = offered.protocol;
    r.transforms.push_back(encr_transform(c.encr));
    if (c.prf != nullptr) r.transforms.push_back({TransformType::Prf, c.prf->ikev2_id, std::nullopt, false});
    if (c.integ != nullptr)
        r.transforms.push_back({TransformType::Integrity, c.integ->ikev2_id, std::nullopt, false});
    if (c.dh != nullptr)
        r.transforms.push_back(
            {TransformType::Dh, static_cast<std::uint16_t>(c.dh->group), std::nullopt, false});
    if (c.esn)
        r.transforms.push_back(
            {TransformType::Esn, static_cast<std::uint16_t>(*c.esn ? 1 : 0), std::nullopt, false});
    return r;
}

bool integrity_ok(const Chosen& c) {
    // AEAD needs no integrity transform; anything else needs one (RFC 7296 §3.3).
    if (c.encr->aead) return c.integ == nullptr;
    return c.integ != nullptr;
}

}  // namespace

std::vector<Proposal> to_wire(const std::vector<crypto::Proposal>& config, ProtocolId protocol,
                              const core::Bytes& spi, bool include_dh) {
    std::vector<Proposal> out;
    std::uint8_t n = 1;
    for (const auto& p : config) {
        Proposal w;
        w.number = n++;
        w.protocol = protocol;
        w.spi = spi;
        for (const auto* e : p.encryption) w.transforms.push_back(encr_transform(e));
        if (protocol == ProtocolId::Ike)
            for (const auto* f : p.prf)
                w.transforms.push_back({TransformType::Prf, f->ikev2_id, std::nullopt, false});
        for (const auto* i : p.integrity)
            w.transforms.push_back({TransformType::Integrity, i->ikev2_id, std::nullopt, false});
        if (include_dh)
            for (const auto* d : p.dh)
                w.transforms.push_back(
                    {TransformType::Dh, static_cast<std::uint16_t>(d->group), std::nullopt, false});
        if (protocol != ProtocolId::Ike)
            for (bool e : esn_list(p))
                w.transforms.push_back(
                    {TransformType::Esn, static_cast<std::uint16_t>(e ? 1 : 0), std::nullopt, false});
        out.push_back(std::move(w));
    }
    return out;
}

std::optional<IkeSelection> select_ike(const std::vector<Proposal>& offered,
                                       const std::vector<crypto::Proposal>& config, std::size_t spi_len) {
    for (const auto& o : offered) {
        if (o.protocol != ProtocolId::Ike || o.spi.size() != spi_len) continue;
        for (const auto& cfg : config) {
            Chosen c = match(o, cfg, true);
            if (c.unknown || c.encr == nullptr || c.prf == nullptr || c.dh == nullptr || !integrity_ok(c))
                continue;
            return IkeSelection{NegotiatedIke{c.encr, c.integ, c.prf, c.dh}, reply_of(o, c), o.spi};
        }
    }
    return std::nullopt;
}

std::optional<ChildSelection> select_child(const std::vector<Proposal>& offered,
                                           const std::vector<crypto::Proposal>& config, bool with_dh) {
    for (const auto& o : offered) {
        if (o.protocol != ProtocolId::Esp || o.spi.size() != 4) continue;
        for (const auto& cfg : config) {
            Chosen c = match(o, cfg, with_dh);
            if (c.unknown || c.has_prf || c.encr == nullptr || !integrity_ok(c)) continue;
            if (with_dh && !cfg.dh.empty() && c.dh == nullptr) continue;
            if (with_dh && c.has_dh && c.dh == nullptr) continue;
            if (c.has_esn && !c.esn) continue;
            const std::uint32_t spi = (static_cast<std::uint32_t>(o.spi[0]) << 24) |
                                      (static_cast<std::uint32_t>(o.spi[1]) << 16) |
                                      (static_cast<std::uint32_t>(o.spi[2]) << 8) | o.spi[3];
            return ChildSelection{NegotiatedChild{c.encr, c.integ, c.dh, c.esn.value_or(false)}, spi,
                                  reply_of(o, c)};
        }
    }
    return std::nullopt;
}

std::optional<NegotiatedIke> accept_ike(const std::vector<Proposal>& reply,
                                        const std::vector<crypto::Proposal>& config, std::size_t spi_len) {
    // RFC 7296 §3.3: the response carries exactly one proposal.
    if (reply.size() != 1) return std::nullopt;
    auto s = select_ike(reply, config, spi_len);
    if (!s) return std::nullopt;
    return s->algorithms;
}

std::optional<ChildSelection> accept_child(const std::vector<Proposal>& reply,
                                           const std::vector<crypto::Proposal>& config, bool with_dh) {
    if (reply.size() != 1) return std::nullopt;
    return select_child(reply, config, with_dh);
}

}  // namespace strata::ike::v2
