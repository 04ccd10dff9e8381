#include "apps/strata/ike_print.hpp"

#include <fmt/core.h>

#include <fstream>

#include "packet/keylog.hpp"

namespace strata::apps {

namespace {

std::string spi64(std::uint64_t v) { return fmt::format("{:016x}", v); }
std::string spi32(std::uint32_t v) { return fmt::format("{:08x}", v); }
std::string endpoint(const ike::Endpoint& e) { return fmt::format("{}[{}]", e.address.to_string(), e.port); }

void put_encryption(nlohmann::json& j, const crypto::EncryptionInfo* e) {
    if (e == nullptr) return;
    j["encr"] = std::string(e->keyword);
    j["encr_id"] = e->ikev2_id;
    j["encr_keybits"] = e->key_len * 8;
}

void put_integrity(nlohmann::json& j, const crypto::IntegrityInfo* i) {
    j["integ"] = i != nullptr ? std::string(i->keyword) : "";
    j["integ_id"] = i != nullptr ? i->ikev2_id : 0;
}

void put_dh(nlohmann::json& j, const crypto::DhInfo* d) {
    j["dh"] = d != nullptr ? std::string(d->keyword) : "";
    j["dh_id"] = d != nullptr ? static_cast<unsigned>(d->group) : 0U;
}

nlohmann::json ts_list(const std::vector<ike::TrafficSelector>& v) {
    auto a = nlohmann::json::array();
    for (const auto& t : v) a.push_back(ike::to_string(t));
    return a;
}

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

nlohmann::json event_json(const ike::Event& ev) {
    nlohmann::json j;
    j["event"] = std::string(ike::event_name(ev));
    std::visit(Overloaded{
                   [&](const ike::IkeSaUp& e) {
                       j["connection"] = e.connection;
                       j["spi_i"] = spi64(e.id.spi_i);
                       j["spi_r"] = spi64(e.id.spi_r);
                       j["initiator"] = e.initiator;
                       j["algorithms"] = ike::to_string(e.algorithms);
                       put_encryption(j, e.algorithms.encryption);
                       put_integrity(j, e.algorithms.integrity);
                       j["prf"] = std::string(e.algorithms.prf->keyword);
                       j["prf_id"] = e.algorithms.prf->ikev2_id;
                       put_dh(j, e.algorithms.dh);
                       j["local"] = endpoint(e.local);
                       j["remote"] = endpoint(e.remote);
                       j["nat_local"] = e.nat_local;
                       j["nat_remote"] = e.nat_remote;
                       j["local_id"] = ike::to_string(e.local_id);
                       j["remote_id"] = ike::to_string(e.remote_id);
                   },
                   [&](const ike::IkeSaDown& e) {
                       j["connection"] = e.connection;
                       j["spi_i"] = spi64(e.id.spi_i);
                       j["spi_r"] = spi64(e.id.spi_r);
                       j["reason"] = e.reason;
                   },
                   [&](const ike::IkeSaRekeyed& e) {
                       j["connection"] = e.connection;
                       j["old_spi_i"] = spi64(e.old_id.spi_i);
                       j["old_spi_r"] = spi64(e.old_id.spi_r);
                       j["spi_i"] = spi64(e.new_id.spi_i);
                       j["spi_r"] = spi64(e.new_id.spi_r);
                       j["algorithms"] = ike::to_string(e.algorithms);
                       put_encryption(j, e.algorithms.encryption);
                       put_integrity(j, e.algorithms.integrity);
                       j["prf"] = e.algorithms.prf != nullptr ? std::string(e.algorithms.prf->keyword) : "";
                       j["prf_id"] = e.algorithms.prf != nullptr ? e.algorithms.prf->ikev2_id : 0;
                       put_dh(j, e.algorithms.dh);
                   },
                   [&](const ike::ChildSaUp& e) {
                       j["connection"] = e.connection;
                       j["ike_spi_i"] = spi64(e.ike.spi_i);
                       j["ike_spi_r"] = spi64(e.ike.spi_r);
                       j["spi_in"] = spi32(e.child.spi_in);
                       j["spi_out"] = spi32(e.child.spi_out);
                       j["protocol"] = std::string(ipsec::to_string(e.child.protocol));
                       j["mode"] = std::string(ipsec::to_string(e.child.mode));
                       j["encap"] = e.child.udp_encap.has_value();
                       j["algorithms"] = ike::to_string(e.child.algorithms);
                       put_encryption(j, e.child.algorithms.encryption);
                       put_integrity(j, e.child.algorithms.integrity);
                       put_dh(j, e.child.algorithms.dh);
                       j["esn"] = e.child.algorithms.esn;
                       j["local_ts"] = ts_list(e.child.local_ts);
                       j["remote_ts"] = ts_list(e.child.remote_ts);
                   },
                   [&](const ike::ChildSaRekeyed& e) {
                       j["connection"] = e.connection;
                       j["old_spi_in"] = spi32(e.old_spi_in);
                       j["old_spi_out"] = spi32(e.old_spi_out);
                       j["spi_in"] = spi32(e.child.spi_in);
                       j["spi_out"] = spi32(e.child.spi_out);
                       j["algorithms"] = ike::to_string(e.child.algorithms);
                       put_encryption(j, e.child.algorithms.encryption);
                       put_integrity(j, e.child.algorithms.integrity);
                       put_dh(j, e.child.algorithms.dh);
                   },
                   [&](const ike::ChildSaDown& e) {
                       j["connection"] = e.connection;
                       j["spi_in"] = spi32(e.spi_in);
                       j["spi_out"] = spi32(e.spi_out);
                       j["reason"] = e.reason;
                   },
                   [&](const ike::ChildSaFailed& e) {
                       j["connection"] = e.connection;
                       j["reason"] = e.reason;
                   },
                   [&](const ike::AuthFailed& e) {
                       j["connection"] = e.connection;
                       j["reason"] = e.reason;
                   },
               },
               ev);
    return j;
}

nlohmann::json stats_json(const ike::v2::EngineStats& s) {
    nlohmann::json j;
    j["event"] = "stats";
    j["malformed"] = s.malformed;
    j["integrity_failed"] = s.integrity_failed;
    j["unknown_spi"] = s.unknown_spi;
    j["bad_message_id"] = s.bad_message_id;
    j["retransmits_answered"] = s.retransmits_answered;
    j["half_open_dropped"] = s.half_open_dropped;
    j["cookies_sent"] = s.cookies_sent;
    j["dpd_sent"] = s.dpd_sent;
    j["keepalives_sent"] = s.keepalives_sent;
    j["rekey_collisions"] = s.rekey_collisions;
    return j;
}

nlohmann::json sas_json(const std::vector<ike::v2::IkeInfo>& ike_sas,
                        const std::vector<ike::v2::ChildInfo>& children) {
    nlohmann::json j;
    j["event"] = "sas";
    auto ikes = nlohmann::json::array();
    for (const auto& sa : ike_sas) {
        nlohmann::json e;
        e["connection"] = sa.connection;
        e["spi_i"] = spi64(sa.id.spi_i);
        e["spi_r"] = spi64(sa.id.spi_r);
        e["initiator"] = sa.initiator;
        e["established"] = sa.established;
        e["algorithms"] = ike::to_string(sa.algorithms);
        put_encryption(e, sa.algorithms.encryption);
        put_integrity(e, sa.algorithms.integrity);
        put_dh(e, sa.algorithms.dh);
        e["children"] = sa.children;
        ikes.push_back(std::move(e));
    }
    auto kids = nlohmann::json::array();
    for (const auto& c : children) {
        nlohmann::json e;
        e["connection"] = c.connection;
        e["ike_spi_i"] = spi64(c.ike.spi_i);
        e["ike_spi_r"] = spi64(c.ike.spi_r);
        e["spi_in"] = spi32(c.spi_in);
        e["spi_out"] = spi32(c.spi_out);
        e["rekeying"] = c.rekeying;
        e["algorithms"] = ike::to_string(c.algorithms);
        put_encryption(e, c.algorithms.encryption);
        put_integrity(e, c.algorithms.integrity);
        put_dh(e, c.algorithms.dh);
        kids.push_back(std::move(e));
    }
    j["ike_sas"] = std::move(ikes);
    j["child_sas"] = std::move(kids);
    return j;
}

std::string event_text(const ike::Event& ev) {
    const nlohmann::json j = event_json(ev);
    return std::visit(
        Overloaded{
            [&](const ike::IkeSaUp& e) {
                return fmt::format("ike-sa-up {}_i {}_r {} {} <-> {} nat(local={}, remote={}) {} <-> {}",
                                   spi64(e.id.spi_i), spi64(e.id.spi_r), ike::to_string(e.algorithms),
                                   endpoint(e.local), endpoint(e.remote), e.nat_local, e.nat_remote,
                                   ike::to_string(e.local_id), ike::to_string(e.remote_id));
            },
            [&](const ike::ChildSaUp& e) {
                return fmt::format("child-sa-up in {} out {} {} {}{} local {} remote {}",
                                   spi32(e.child.spi_in), spi32(e.child.spi_out),
                                   ike::to_string(e.child.algorithms), ipsec::to_string(e.child.mode),
                                   e.child.udp_encap ? "-in-udp" : "", j["local_ts"].dump(),
                                   j["remote_ts"].dump());
            },
            [&](const auto&) {
                std::string s(ike::event_name(ev));
                for (const auto& [k, v] : j.items())
                    if (k != "event")
                        s += " " + k + "=" + (v.is_string() ? v.template get<std::string>() : v.dump());
                return s;
            },
        },
        ev);
}

namespace {

std::optional<packet::Ikev2Encryption> ws_encryption(const crypto::EncryptionInfo& e) {
    using E = packet::Ikev2Encryption;
    if (e.aead) {
        if (e.icv_len != 16) return std::nullopt;
        switch (e.aead_alg) {
            case crypto::AeadAlg::Aes128Gcm: return E::AesGcm16_128;
            case crypto::AeadAlg::Aes192Gcm: return E::AesGcm16_192;
            case crypto::AeadAlg::Aes256Gcm: return E::AesGcm16_256;
            case crypto::AeadAlg::ChaCha20Poly1305: return std::nullopt;
        }
        return std::nullopt;
    }
    switch (e.cipher_alg) {
        case crypto::CipherAlg::Aes128Cbc: return E::AesCbc128;
        case crypto::CipherAlg::Aes192Cbc: return E::AesCbc192;
        case crypto::CipherAlg::Aes256Cbc: return E::AesCbc256;
        case crypto::CipherAlg::TripleDesCbc: return E::TripleDes;
        case crypto::CipherAlg::Null: return std::nullopt;
    }
    return std::nullopt;
}

std::optional<packet::Ikev2Integrity> ws_integrity(const crypto::IntegrityInfo* i) {
    using I = packet::Ikev2Integrity;
    if (i == nullptr) return I::None;
    switch (i->mac) {
        case crypto::MacAlg::HmacMd5_96: return I::HmacMd5_96;
        case crypto::MacAlg::HmacSha1_96: return I::HmacSha1_96;
        case crypto::MacAlg::HmacSha256_128: return I::HmacSha256_128;
        case crypto::MacAlg::HmacSha384_192: return I::HmacSha384_192;
        case crypto::MacAlg::HmacSha512_256: return I::HmacSha512_256;
        default: return std::nullopt;
    }
}

}  // namespace

bool write_ikev2_keylog(const std::string& path, const std::vector<ike::v2::KeyLogEntry>& entries) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return false;
    for (const auto& e : entries) {
        auto enc = ws_encryption(*e.algorithms.encryption);
        auto integ = ws_integrity(e.algorithms.integrity);
        if (!enc || !integ) continue;
        packet::Ikev2SaKeys k;
        k.spi_i = e.id.spi_i;
        k.spi_r = e.id.spi_r;
        k.sk_ei = e.sk_ei;
        k.sk_er = e.sk_er;
        k.encryption = *enc;
        k.sk_ai = e.sk_ai;
        k.sk_ar = e.sk_ar;
        k.integrity = *integ;
        out << packet::ikev2_record(k) << '\n';
    }
    return static_cast<bool>(out);
}

}  // namespace strata::apps
