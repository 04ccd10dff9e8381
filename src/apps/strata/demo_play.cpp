// demo_play.cpp: the acts of `strata demo`.
#include "apps/strata/demo_play.hpp"

#include <fmt/core.h>

#include <array>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "apps/strata/demo_explain.hpp"
#include "apps/strata/demo_gateway.hpp"
#include "apps/strata/demo_ikev1.hpp"
#include "apps/strata/demo_lan.hpp"
#include "apps/strata/demo_net.hpp"
#include "apps/strata/demo_report.hpp"
#include "apps/strata/demo_tls.hpp"
#include "core/hex.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/random.hpp"
#include "ike/proposal.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v2/engine.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/keylog.hpp"

namespace strata::apps::demo {

namespace {

namespace v1 = ike::v1;
namespace v2 = ike::v2;

constexpr std::uint32_t kTunnelReqid = 1;
constexpr std::uint32_t kTransportReqid = 100;
constexpr std::uint32_t kAhReqid = 200;
constexpr std::string_view kPsk = "a pre-shared key only C and D know";
constexpr std::string_view kIkeProposal = "aes128gcm16-prfsha256-x25519";
constexpr std::string_view kEspProposal = "aes128gcm16-x25519";  // the group: PFS for rekeys
// IKEv1 (the lecture's era): CBC and HMAC, a MODP group; the group in the
// ESP proposal means PFS in every quick mode (RFC 2409 §5.5).
constexpr std::string_view kIkeV1Proposal = "aes128-sha256-modp2048";
constexpr std::string_view kEspV1Proposal = "aes128-sha256-modp2048";

packet::IpAddress host_a() { return packet::IpAddress::v4(0xc000020aU); }  // 192.0.2.10
packet::IpAddress host_b() { return packet::IpAddress::v4(0xc6336414U); }  // 198.51.100.20
packet::IpPrefix lan_a() { return *packet::IpPrefix::parse("192.0.2.0/24"); }
packet::IpPrefix lan_b() { return *packet::IpPrefix::parse("198.51.100.0/24"); }

std::string side_name(Side s) { return s == Side::C ? "C" : "D"; }

// rekey_child asks an engine to rekey a CHILD SA when the engine offers
// that request (the IKEv2 engine may not yet); nullopt otherwise.
template <typename E>
concept CanRekeyChild = requires(E& e, std::uint32_t spi, core::Instant now) {
    e.rekey_child(spi, now);
};

template <typename E>
std::optional<v2::Output> rekey_child(E& engine, std::uint32_t spi_in, core::Instant now) {
    if constexpr (CanRekeyChild<E>) {
        return engine.rekey_child(spi_in, now);
    } else {
        (void)engine;
        (void)spi_in;
        (void)now;
        return std::nullopt;
    }
}

// EspKeyRecord is one ESP SA's keys kept for DIR/esp_sa (debug copies).
struct EspKeyRecord {
    packet::IpAddress src, dst;
    std::uint32_t spi = 0;
    packet::EspEncryption enc = packet::EspEncryption::Null;
    core::Bytes enc_key;
    packet::EspIntegrity integ = packet::EspIntegrity::Null;
    core::Bytes integ_key;
};

std::optional<packet::EspEncryption> wireshark_esp_encryption(const crypto::EncryptionInfo& e) {
    if (e.aead) {
        if (e.aead_alg == crypto::AeadAlg::ChaCha20Poly1305) return std::nullopt;
        if (e.icv_len == 8) return packet::EspEncryption::AesGcm8;
        if (e.icv_len == 12) return packet::EspEncryption::AesGcm12;
        return packet::EspEncryption::AesGcm16;
    }
    if (e.cipher_alg == crypto::CipherAlg::Null) return packet::EspEncryption::Null;
    if (e.cipher_alg == crypto::CipherAlg::TripleDesCbc) return packet::EspEncryption::TripleDesCbc;
    return packet::EspEncryption::AesCbc;
}

packet::EspIntegrity wireshark_esp_integrity(const crypto::IntegrityInfo* i) {
    if (i == nullptr) return packet::EspIntegrity::Null;
    switch (i->mac) {
        case crypto::MacAlg::HmacMd5_96: return packet::EspIntegrity::HmacMd5_96;
        case crypto::MacAlg::HmacSha1_96: return packet::EspIntegrity::HmacSha1_96;
        case crypto::MacAlg::HmacSha384_192: return packet::EspIntegrity::HmacSha384_192;
        case crypto::MacAlg::HmacSha512_256: return packet::EspIntegrity::HmacSha512_256;
        default: return packet::EspIntegrity::HmacSha256_128;
    }
}

std::optional<packet::Ikev2Encryption> wireshark_ike_encryption(const crypto::EncryptionInfo& e) {
    using E = packet::Ikev2Encryption;
    const auto bits = e.key_len * 8;
    if (e.aead) {
        if (e.aead_alg == crypto::AeadAlg::ChaCha20Poly1305) return std::nullopt;
        const int base = e.icv_len == 8 ? 0 : e.icv_len == 12 ? 3 : 6;
        const int k = bits == 128 ? 0 : bits == 192 ? 1 : 2;
        return static_cast<E>(static_cast<int>(E::AesGcm8_128) + base + k);
    }
    if (e.cipher_alg == crypto::CipherAlg::TripleDesCbc) return E::TripleDes;
    if (e.cipher_alg == crypto::CipherAlg::Aes128Cbc) return E::AesCbc128;
    if (e.cipher_alg == crypto::CipherAlg::Aes192Cbc) return E::AesCbc192;
    if (e.cipher_alg == crypto::CipherAlg::Aes256Cbc) return E::AesCbc256;
    return std::nullopt;
}

packet::Ikev2Integrity wireshark_ike_integrity(const crypto::IntegrityInfo* i) {
    if (i == nullptr) return packet::Ikev2Integrity::None;
    switch (i->mac) {
        case crypto::MacAlg::HmacMd5_96: return packet::Ikev2Integrity::HmacMd5_96;
        case crypto::MacAlg::HmacSha1_96: return packet::Ikev2Integrity::HmacSha1_96;
        case crypto::MacAlg::HmacSha384_192: return packet::Ikev2Integrity::HmacSha384_192;
        case crypto::MacAlg::HmacSha512_256: return packet::Ikev2Integrity::HmacSha512_256;
        default: return packet::Ikev2Integrity::HmacSha256_128;
    }
}

bool same(core::ByteView a, core::ByteView b) {
    return a.size() == b.size() && crypto::constant_time_equal(a, b);
}

class Demo {
public:
    explicit Demo(const Options& o)
        : o_(o),
          rep_(o.color, o.quiet || o.json, o.json ? stderr : stdout),
          gw_{std::make_unique<Gateway>("C", Wire::address(Side::C), lan_a(), clock_),
              std::make_unique<Gateway>("D", Wire::address(Side::D), lan_b(), clock_)} {}

    int run();

private:
    Gateway& gw(Side s) { return *gw_[static_cast<std::size_t>(s)]; }
    v2::Engine& engine(Side s) { return *eng_[static_cast<std::size_t>(s)]; }
    v1::Engine& engine1(Side s) { return *eng1_[static_cast<std::size_t>(s)]; }

    bool setup();
    bool act_ike_v2();
    bool act_ike_v1();
    bool check_and_install_children();
    void act_databases();
    bool act_tunnel();
    void act_attacks();
    void act_transport();
    void act_ah();
    void act_rekey();
    void act_tls();
    void write_keys();

    ike::ConnectionConfig connection(Side s) const;
    template <typename Output>
    bool exchange(Side from, Output first);
    void handle_event(Side s, ike::Event& e);

    // ping sends one echo request from src to dst (and the reply back)
    // through the gateways; returns true when both arrived intact.
    bool ping(Side from, const packet::IpAddress& src, const packet::IpAddress& dst, std::uint16_t seq,
              bool explain, std::uint32_t expect_spi = 0);
    // cross carries one plaintext packet from a host behind `from` to the
    // host behind the other gateway: outbound at `from`, the wire, inbound
    // at the other; returns the delivered packet (nullopt when dropped).
    std::optional<core::Bytes> cross(Side from, core::ByteView plain, bool explain, std::string_view label);
    void snapshot_esp_keys(Gateway& g);

    Options o_;
    Report rep_;
    core::RealClock clock_;
    crypto::SystemRandom rng_;
    std::unique_ptr<Wire> wire_;
    std::array<std::unique_ptr<Gateway>, 2> gw_;
    std::array<std::unique_ptr<v2::Engine>, 2> eng_;
    std::array<std::unique_ptr<v1::Engine>, 2> eng1_;
    std::array<std::optional<ike::ChildSaKeys>, 2> child_;
    std::array<std::optional<ike::ChildSaKeys>, 2> rekeyed_;
    std::array<bool, 2> ike_up_{false, false};
    std::vector<std::string> ike_failures_;
    bool saw_cookie_ = false;
    std::uint16_t ip_id_ = 100;
    std::vector<EspKeyRecord> esp_keys_;
    // The last ESP-in-UDP datagram C sent to D (the attacker's recording).
    core::Bytes recorded_esp_;
    std::uint32_t recorded_spi_ = 0;
    std::shared_ptr<TlsKeyLog> tls_keylog_;
};

bool Demo::setup() {
    std::string why;
    wire_ = Wire::open(&why);
    if (!wire_) {
        fmt::print(stderr, "strata demo: cannot open loopback sockets: {}\n", why);
        return false;
    }
    if (!o_.pcap.empty() && !wire_->capture_to(o_.pcap)) {
        fmt::print(stderr, "strata demo: cannot write {}\n", o_.pcap);
        return false;
    }
    if (!o_.keys.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o_.keys, ec);
        if (ec) {
            fmt::print(stderr, "strata demo: cannot create {}: {}\n", o_.keys, ec.message());
            return false;
        }
        tls_keylog_ = TlsKeyLog::open(o_.keys + "/sslkeylog.txt");
        if (!tls_keylog_) {
            fmt::print(stderr, "strata demo: cannot write {}/sslkeylog.txt\n", o_.keys);
            return false;
        }
    }
    rep_.act("The stage");
    rep_.say("  A 192.0.2.10 --LAN-- C 203.0.113.1 ==== internet ==== D 203.0.113.2 --LAN-- B 198.51.100.20");
    rep_.say(fmt::format(
        "  The internet link is real UDP on loopback: C's port 500 is 127.0.0.1:{}, 4500 is :{};"
        " D's are :{} and :{}; plain ESP/AH packets go whole over :{} -> :{}.",
        wire_->real_port(Side::C, 500), wire_->real_port(Side::C, 4500), wire_->real_port(Side::D, 500),
        wire_->real_port(Side::D, 4500), wire_->real_port(Side::C, 0), wire_->real_port(Side::D, 0)));
    rep_.say("  Everything below is printed from the bytes that crossed those sockets.");
    return true;
}

ike::ConnectionConfig Demo::connection(Side s) const {
    ike::ConnectionConfig c;
    c.name = "c-d";
    c.local_address = Wire::address(s);
    c.remote_address = Wire::address(other(s));
    c.local_id = *ike::parse_identity(s == Side::C ? "gw-c.example.org" : "gw-d.example.org");
    c.remote_id = *ike::parse_identity(s == Side::C ? "gw-d.example.org" : "gw-c.example.org");
    c.psk = core::SecretBytes(
        core::ByteView(reinterpret_cast<const std::uint8_t*>(kPsk.data()), kPsk.size()));  // NOLINT
    c.ike_proposals = ike::parse_proposals(kIkeProposal, ike::ProposalUse::Ike).value();
    c.esp_proposals = ike::parse_proposals(kEspProposal, ike::ProposalUse::Esp).value();
    c.local_ts = {ike::from_prefix(s == Side::C ? lan_a() : lan_b())};
    c.remote_ts = {ike::from_prefix(s == Side::C ? lan_b() : lan_a())};
    c.mode = ipsec::Mode::Tunnel;
    // No raw sockets without root: C claims to be behind a NAT so that ESP
    // goes in UDP 4500 (RFC 3948), as strongSwan's encap=yes.
    c.force_encap = s == Side::C;
    return c;
}

void Demo::handle_event(Side s, ike::Event& e) {
    const auto i = static_cast<std::size_t>(s);
    if (auto* up = std::get_if<ike::IkeSaUp>(&e)) {
        ike_up_[i] = true;
        rep_.say(fmt::format("  {}: IKE SA up, SPIs {:016x}/{:016x}, {}, peer {} authenticated by PSK{}",
                             side_name(s), up->id.spi_i, up->id.spi_r, ike::to_string(up->algorithms),
                             ike::to_string(up->remote_id),
                             up->nat_local || up->nat_remote ? ", NAT-T: port 4500" : ""));
    } else if (auto* ch = std::get_if<ike::ChildSaUp>(&e)) {
        rep_.say(fmt::format("  {}: {} up, SPI in 0x{:08x} out 0x{:08x}, {} {}", side_name(s),
                             o_.ike == 1 ? "IPsec SA pair" : "CHILD SA", ch->child.spi_in, ch->child.spi_out,
                             ike::to_string(ch->child.algorithms), ipsec::to_string(ch->child.mode)));
        // IKEv1: the responder of a rekeying quick mode sees a new SA pair
        // (then a DELETE for the old one), not a "rekeyed" event.
        if (o_.ike == 1 && child_[i]) {
            rekeyed_[i] = std::move(ch->child);
        } else {
            child_[i] = std::move(ch->child);
        }
    } else if (auto* rk = std::get_if<ike::ChildSaRekeyed>(&e)) {
        rep_.say(fmt::format("  {}: CHILD SA rekeyed: old SPI in 0x{:08x} -> new 0x{:08x}, {}", side_name(s),
                             rk->old_spi_in, rk->child.spi_in, ike::to_string(rk->child.algorithms)));
        rekeyed_[i] = std::move(rk->child);
    } else if (auto* af = std::get_if<ike::AuthFailed>(&e)) {
        ike_failures_.push_back(side_name(s) + ": " + af->reason);
    } else if (auto* cf = std::get_if<ike::ChildSaFailed>(&e)) {
        ike_failures_.push_back(side_name(s) + ": CHILD SA refused: " + cf->reason);
    } else if (auto* dn = std::get_if<ike::IkeSaDown>(&e)) {
        ike_failures_.push_back(side_name(s) + ": IKE SA down: " + dn->reason);
    }
}

template <typename Output>
bool Demo::exchange(Side from, Output first) {
    using Datagram = std::decay_t<decltype(first.datagrams.front())>;
    constexpr bool kV1 = std::is_same_v<Output, v1::Output>;
    std::deque<std::pair<Side, Datagram>> q;
    auto absorb = [&](Side s, Output&& out) {
        for (auto& d : out.datagrams) q.emplace_back(s, std::move(d));
        for (auto& e : out.events) handle_event(s, e);
    };
    absorb(from, std::move(first));
    for (int guard = 0; !q.empty() && guard < 64; ++guard) {
        auto [s, d] = std::move(q.front());
        q.pop_front();
        const bool natt = d.local.port == 4500 || d.remote.port == 4500;
        core::Bytes payload;
        if (natt) payload = {0, 0, 0, 0};  // RFC 3948 §2.2: the non-ESP marker
        payload.insert(payload.end(), d.data.begin(), d.data.end());
        std::string why;
        auto a = wire_->send_udp(s, d.local.port, d.remote.port, payload, &why);
        if (!a) return rep_.check("an IKE datagram crossed the wire", false, why);
        core::ByteView msg = a->payload;
        if (a->dst_port == 4500) {
            if (msg.size() < 4 || msg[0] != 0 || msg[1] != 0 || msg[2] != 0 || msg[3] != 0) continue;
            msg = msg.subspan(4);
        }
        rep_.say(fmt::format("{} -> {}  UDP {} -> {}{}  (really 127.0.0.1:{} -> :{})", side_name(s),
                             side_name(other(s)), a->src_port, a->dst_port,
                             natt ? " with non-ESP marker" : "", a->real_src_port, a->real_dst_port));
        for (const auto& line : kV1 ? explain_ikev1(msg) : explain_ike(msg)) {
            if (line.find("COOKIE") != std::string::npos) saw_cookie_ = true;
            rep_.say("    " + line);
        }
        Datagram in{{Wire::address(other(s)), a->dst_port},
                    {Wire::address(s), a->src_port},
                    core::Bytes(msg.begin(), msg.end())};
        if constexpr (kV1) {
            absorb(other(s), engine1(other(s)).receive(in, clock_.now()));
        } else {
            absorb(other(s), engine(other(s)).receive(in, clock_.now()));
        }
    }
    return true;
}

bool Demo::act_ike_v2() {
    rep_.act("Act 1: IKEv2 between C and D (IKE_SA_INIT, then IKE_AUTH)");
    for (const Side s : {Side::C, Side::D}) {
        ike::EngineConfig cfg;
        cfg.connections.push_back(connection(s));
        // D asks every initiator for a cookie first when its engine supports
        // it (RFC 7296 §2.6: anti-clogging, the lecture's phase I cookies).
        if (s == Side::D) cfg.cookie_threshold = 0;
        eng_[static_cast<std::size_t>(s)] = std::make_unique<v2::Engine>(std::move(cfg), rng_);
    }
    rep_.say(fmt::format("  Proposal offered by C: IKE {}  ESP {}; authentication: PSK (RFC 7296 §2.15)",
                         kIkeProposal, kEspProposal));
    rep_.say(
        "  IKE_SA_INIT (clear): SPIs (IKEv2's cookies), SA proposal, Diffie-Hellman KE, nonce, NAT "
        "detection.");
    rep_.say(
        "  IKE_AUTH (inside SK): identities, AUTH = prf(prf(PSK, \"Key Pad for IKEv2\"), ...), CHILD SA, "
        "TS.");
    if (!exchange(Side::C, engine(Side::C).initiate("c-d", clock_.now()))) return false;
    if (saw_cookie_)
        rep_.say(
            "  D answered the first IKE_SA_INIT with a COOKIE; C repeated it with the cookie (RFC 7296 "
            "§2.6).");
    else
        rep_.say(
            "  (No COOKIE round trip: D's engine asks for one only under load; the SPIs play the cookies' "
            "part.)");
    for (const auto& f : ike_failures_) rep_.say("  " + f);
    rep_.check("IKE SA established on C and D (PSK authentication both ways)", ike_up_[0] && ike_up_[1]);
    const bool children = child_[0].has_value() && child_[1].has_value();
    rep_.check("CHILD SA negotiated on C and D", children);
    // The keys: the engines derive them (RFC 7296 §2.14); both must agree.
    const auto kc = engine(Side::C).key_log();
    const auto kd = engine(Side::D).key_log();
    bool agree = !kc.empty() && !kd.empty();
    for (const auto& c : kc) {
        rep_.say(fmt::format(
            "  IKE SA {:016x}/{:016x}: SKEYSEED = prf(Ni | Nr, g^ir), then prf+ gives SK_d, SK_a, SK_e, SK_p",
            c.id.spi_i, c.id.spi_r));
        rep_.say(fmt::format("    SK_ei {}  SK_er {}", hex_short(c.sk_ei), hex_short(c.sk_er)));
        if (!c.sk_ai.empty())
            rep_.say(fmt::format("    SK_ai {}  SK_ar {}", hex_short(c.sk_ai), hex_short(c.sk_ar)));
        bool found = false;
        for (const auto& d : kd)
            if (d.id == c.id)
                found = same(c.sk_ei, d.sk_ei) && same(c.sk_er, d.sk_er) && same(c.sk_ai, d.sk_ai) &&
                        same(c.sk_ar, d.sk_ar);
        agree = agree && found;
    }
    rep_.check("C and D derived the same IKE SA keys (SK_ei, SK_er, SK_ai, SK_ar)", agree);
    if (!children) return false;
    rep_.say(fmt::format("  CHILD SA KEYMAT = prf+(SK_d, Ni | Nr) (RFC 7296 §2.17): C->D key {}",
                         hex_short(child_[0]->encryption_key_out.view())));
    rep_.say(fmt::format("                                                     D->C key {}",
                         hex_short(child_[1]->encryption_key_out.view())));
    return check_and_install_children();
}

bool Demo::check_and_install_children() {
    const auto& c = *child_[0];
    const auto& d = *child_[1];
    const bool child_agree = c.spi_out == d.spi_in && c.spi_in == d.spi_out &&
                             same(c.encryption_key_out.view(), d.encryption_key_in.view()) &&
                             same(c.encryption_key_in.view(), d.encryption_key_out.view()) &&
                             same(c.integrity_key_out.view(), d.integrity_key_in.view()) &&
                             same(c.integrity_key_in.view(), d.integrity_key_out.view());
    rep_.check("C's outbound ESP SPI and keys are D's inbound ones, and back", child_agree);
    std::string why;
    for (const Side s : {Side::C, Side::D}) {
        auto& ch = *child_[static_cast<std::size_t>(s)];
        why = gw(s).install_child(ch, kTunnelReqid);
        if (!why.empty()) break;
    }
    rep_.check("the CHILD SAs are installed in both SADs with their SPD entries", why.empty(), why);
    return why.empty();
}

bool Demo::act_ike_v1() {
    rep_.act("Act 1: IKEv1 between C and D (phase I: main mode; phase II: quick mode with PFS)");
    for (const Side s : {Side::C, Side::D}) {
        v1::EngineConfig cfg;
        v1::Connection conn;
        conn.base = connection(s);
        conn.base.ike_proposals = ike::parse_proposals(kIkeV1Proposal, ike::ProposalUse::Ike).value();
        conn.base.esp_proposals = ike::parse_proposals(kEspV1Proposal, ike::ProposalUse::Esp).value();
        cfg.connections.push_back(std::move(conn));
        eng1_[static_cast<std::size_t>(s)] = std::make_unique<v1::Engine>(std::move(cfg), rng_);
    }
    rep_.say(fmt::format(
        "  Proposal offered by C: phase I {}, pre-shared key (RFC 2409 §5.4); quick mode ESP {} (PFS)",
        kIkeV1Proposal, kEspV1Proposal));
    rep_.say("  Main mode, six messages (RFC 2409 §5):");
    rep_.say("    MM1/MM2 (clear): the cookies CKY-I/CKY-R (RFC 2408 §2.5.3) and the SA offer and choice;");
    rep_.say("    MM3/MM4 (clear): Diffie-Hellman KE g^xi / g^xr, nonces Ni / Nr, NAT-D (RFC 3947);");
    rep_.say("    MM5/MM6 (encrypted with SKEYID_e): identities and HASH_I / HASH_R, the PSK proof.");
    rep_.say(
        "  Quick mode, three messages (RFC 2409 §5.5), encrypted: HASH(1), SA, Ni, KE (PFS), IDci, IDcr;");
    rep_.say("    HASH(2), SA, Nr, KE, IDci, IDcr; HASH(3).");
    rep_.say(
        "  D hands out its cookie in MM2 and keeps no Diffie-Hellman state until C's MM3 returns it "
        "(anti-clogging).");
    if (!exchange(Side::C, engine1(Side::C).initiate("c-d", clock_.now()))) return false;
    for (const auto& f : ike_failures_) rep_.say("  " + f);
    rep_.check("IKE SA established on C and D (main mode, HASH_I and HASH_R verified with the PSK)",
               ike_up_[0] && ike_up_[1]);
    const bool children = child_[0].has_value() && child_[1].has_value();
    rep_.check("IPsec SAs negotiated on C and D by quick mode", children);
    const auto sc = engine1(Side::C).ike_sas();
    const auto sd = engine1(Side::D).ike_sas();
    bool agree = !sc.empty() && !sd.empty();
    for (const auto& c : sc) {
        rep_.say(fmt::format("  ISAKMP SA CKY-I {:016x} CKY-R {:016x} ({}):", c.id.spi_i, c.id.spi_r,
                             ike::to_string(v1::to_negotiated(c.choice))));
        rep_.say(fmt::format("    SKEYID   = prf(PSK, Ni_b | Nr_b)                       {}",
                             hex_short(c.skeyid)));
        rep_.say(fmt::format("    SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)           {}",
                             hex_short(c.skeyid_d)));
        rep_.say(fmt::format("    SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) {}",
                             hex_short(c.skeyid_a)));
        rep_.say(fmt::format("    SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) {}",
                             hex_short(c.skeyid_e)));
        rep_.say(fmt::format("    phase I cipher key (SKEYID_e, Appendix B)                  {}",
                             hex_short(c.enc_key)));
        bool found = false;
        for (const auto& d : sd)
            if (d.id == c.id)
                found = same(c.skeyid, d.skeyid) && same(c.skeyid_d, d.skeyid_d) &&
                        same(c.skeyid_a, d.skeyid_a) && same(c.skeyid_e, d.skeyid_e) &&
                        same(c.enc_key, d.enc_key);
        agree = agree && found;
    }
    rep_.check("C and D derived the same IKE SA keys (SKEYID, SKEYID_d, SKEYID_a, SKEYID_e)", agree);
    if (!children) return false;
    rep_.check("quick mode used PFS: a new Diffie-Hellman exchange g(qm)^xy entered KEYMAT",
               child_[0]->algorithms.dh != nullptr && child_[1]->algorithms.dh != nullptr,
               child_[0]->algorithms.dh != nullptr ? std::string(child_[0]->algorithms.dh->keyword) : "none");
    for (const auto& ci : engine1(Side::C).children()) {
        rep_.say(fmt::format(
            "  KEYMAT = prf(SKEYID_d, g(qm)^xy | protocol | SPI | Ni_b | Nr_b) (RFC 2409 §5.5), one per "
            "direction:"));
        rep_.say(fmt::format("    C->D SPI 0x{:08x}: {}", ci.spi_out, hex_short(ci.keymat_out, 24)));
        rep_.say(fmt::format("    D->C SPI 0x{:08x}: {}", ci.spi_in, hex_short(ci.keymat_in, 24)));
    }
    return check_and_install_children();
}

void Demo::act_databases() {
    rep_.act("Act 2: the SPD and the SAD on each gateway");
    for (const Side s : {Side::C, Side::D}) {
        rep_.say(fmt::format("  {} SPD (RFC 4301 §4.4.1):", side_name(s)));
        for (const auto& l : spd_lines(gw(s).spd())) rep_.say("    " + l);
        rep_.say(fmt::format("  {} SAD (RFC 4301 §4.4.2):", side_name(s)));
        for (const auto& l : sad_lines(gw(s).sad())) rep_.say("    " + l);
    }
}

std::optional<core::Bytes> Demo::cross(Side from, core::ByteView plain, bool explain,
                                       std::string_view label) {
    const Side to = other(from);
    wire_->record(plain);  // on the sender's LAN
    if (explain)
        rep_.say(fmt::format("  {} LAN: {}", side_name(from) == "C" ? "A's" : "B's", explain_plain(plain)));
    auto out = gw(from).outbound(plain);
    if (out.result.verdict != ipsec::Verdict::Protected) {
        rep_.check(
            fmt::format("{}: {} protected the packet", label, side_name(from)), false,
            fmt::format("{} {}", ipsec::to_string(out.result.verdict), ipsec::to_string(out.result.drop)));
        return std::nullopt;
    }
    std::string why;
    auto a = wire_->send_ip(from, out.packet, &why);
    if (!a) {
        rep_.check(fmt::format("{}: the packet crossed the wire", label), false, why);
        return std::nullopt;
    }
    if (from == Side::C && a->udp) {
        recorded_esp_ = a->payload;
        recorded_spi_ = out.result.spi;
    }
    auto in = gw(to).inbound(a->ip);
    if (explain) {
        // The SA that protected it, to know the IV and ICV sizes.
        ipsec::SaPtr sa;
        for (const auto& s : gw(from).sad().all())
            if (s->spi() == out.result.spi && s->config().direction == ipsec::Direction::Outbound) sa = s;
        std::vector<std::string> lines;
        std::optional<std::size_t> inner;
        if (in.result.verdict == ipsec::Verdict::Delivered) inner = in.packet.size();
        if (sa && sa->config().mode == ipsec::Mode::Transport && inner) {
            auto ip = packet::parse_ipv4(in.packet);
            if (ip) inner = ip->payload.size();
        }
        rep_.say(fmt::format("  on the wire {} -> {}: {} bytes, SPI 0x{:08x}, sequence {}", side_name(from),
                             side_name(to), out.packet.size(), out.result.spi, out.result.sequence));
        if (sa && explain_protected(out.packet, sa->config(), inner, lines, &why)) {
            for (const auto& l : lines) rep_.say("    " + l);
        } else {
            rep_.say("    (could not dissect: " + why + ")");
        }
    }
    if (in.result.verdict != ipsec::Verdict::Delivered) {
        rep_.check(
            fmt::format("{}: {} accepted the packet", label, side_name(to)), false,
            fmt::format("{} {}", ipsec::to_string(in.result.verdict), ipsec::to_string(in.result.drop)));
        return std::nullopt;
    }
    wire_->record(in.packet);  // on the receiver's LAN
    if (explain)
        rep_.say(fmt::format("  {} LAN: {}", to == Side::D ? "B's" : "A's", explain_plain(in.packet)));
    return std::move(in.packet);
}

bool Demo::ping(Side from, const packet::IpAddress& src, const packet::IpAddress& dst, std::uint16_t seq,
                bool explain, std::uint32_t expect_spi) {
    static constexpr std::string_view kData = "the lecture's ping";
    const core::ByteView data(reinterpret_cast<const std::uint8_t*>(kData.data()), kData.size());  // NOLINT
    const auto req = build_echo(src, dst, true, 0x5354, seq, data, ip_id_++);
    if (explain) rep_.say(fmt::format(" echo request #{}:", seq));
    auto got = cross(from, req, explain, fmt::format("echo request #{}", seq));
    if (!got) return false;
    bool ok = rep_.check(
        fmt::format("echo request #{} delivered unchanged ({} -> {})", seq, src.to_string(), dst.to_string()),
        *got == req, *got == req ? "" : "the delivered packet differs from the one sent");
    if (expect_spi != 0) {
        ok = rep_.check(fmt::format("echo request #{} went with the new SPI 0x{:08x}", seq, expect_spi),
                        recorded_spi_ == expect_spi, fmt::format("used 0x{:08x}", recorded_spi_)) &&
             ok;
    }
    const auto rep = build_echo(dst, src, false, 0x5354, seq, data, ip_id_++);
    if (explain) rep_.say(fmt::format(" echo reply #{}:", seq));
    auto back = cross(other(from), rep, explain, fmt::format("echo reply #{}", seq));
    if (!back) return false;
    return rep_.check(fmt::format("echo reply #{} delivered unchanged", seq), *back == rep) && ok;
}

bool Demo::act_tunnel() {
    rep_.act("Act 3: A pings B through the tunnel (ESP, tunnel mode, in UDP 4500)");
    bool ok = ping(Side::C, host_a(), host_b(), 1, true);
    for (std::uint16_t i = 2; i <= 3; ++i) ok = ping(Side::C, host_a(), host_b(), i, false) && ok;
    const auto sa =
        child_[1]
            ? gw(Side::D).sad().inbound({child_[1]->spi_in, Wire::address(Side::D), ipsec::Protocol::Esp})
            : nullptr;
    rep_.check("D's inbound SA counted the 3 requests", sa && sa->counters().packets.load() == 3,
               sa ? fmt::format("{} packets", sa->counters().packets.load()) : "no SA");
    return ok;
}

void Demo::act_attacks() {
    rep_.act("Act 4: an attacker on the internet link");
    if (recorded_esp_.size() < 8 || !child_[1]) {
        rep_.check("an ESP packet was recorded to replay", false);
        return;
    }
    const auto sa =
        gw(Side::D).sad().inbound({child_[1]->spi_in, Wire::address(Side::D), ipsec::Protocol::Esp});
    if (!sa) {
        rep_.check("D has its inbound SA", false);
        return;
    }
    std::string why;
    // Replay: the very bytes recorded on the wire, sent again.
    const auto before = sa->counters().drops.get(ipsec::Drop::ReplayDuplicate);
    core::Reader r(recorded_esp_);
    (void)r.u32();
    const std::uint32_t seq = r.u32().value_or(0);
    rep_.say(
        fmt::format("  The attacker recorded ESP SPI 0x{:08x} sequence {} and sends it again, byte for byte.",
                    recorded_spi_, seq));
    auto a = wire_->send_udp(Side::C, 4500, 4500, recorded_esp_, &why);
    if (!a) {
        rep_.check("the replayed packet crossed the wire", false, why);
        return;
    }
    auto in = gw(Side::D).inbound(a->ip);
    const auto after = sa->counters().drops.get(ipsec::Drop::ReplayDuplicate);
    rep_.say(fmt::format("  D: {} {} (sequence {} is already marked in the window, RFC 4303 §3.4.3)",
                         ipsec::to_string(in.result.verdict),
                         in.result.verdict == ipsec::Verdict::Dropped ? ipsec::to_string(in.result.drop) : "",
                         seq));
    rep_.check("the replayed packet was refused by the anti-replay window (ReplayDuplicate counter +1)",
               in.result.verdict == ipsec::Verdict::Dropped &&
                   in.result.drop == ipsec::Drop::ReplayDuplicate && after == before + 1,
               fmt::format("counter {} -> {}", before, after));

    // Spoof: a fresh sequence number and one changed ciphertext byte; no key, so no valid ICV.
    core::Bytes forged = recorded_esp_;
    const std::uint32_t fseq = seq + 100;
    forged[4] = static_cast<std::uint8_t>(fseq >> 24);
    forged[5] = static_cast<std::uint8_t>(fseq >> 16);
    forged[6] = static_cast<std::uint8_t>(fseq >> 8);
    forged[7] = static_cast<std::uint8_t>(fseq);
    const std::size_t flip = 8 + sa->config().encryption->iv_len + 9;  // the inner packet's TTL... or near it
    if (flip < forged.size()) forged[flip] ^= 0x01;
    rep_.say(
        fmt::format("  The attacker forges a packet: SPI 0x{:08x}, new sequence {}, one ciphertext bit "
                    "flipped at byte {}.",
                    recorded_spi_, fseq, flip));
    const auto icv_before = sa->counters().drops.get(ipsec::Drop::IcvMismatch);
    a = wire_->send_udp(Side::C, 4500, 4500, forged, &why);
    if (!a) {
        rep_.check("the forged packet crossed the wire", false, why);
        return;
    }
    in = gw(Side::D).inbound(a->ip);
    const auto icv_after = sa->counters().drops.get(ipsec::Drop::IcvMismatch);
    rep_.say(fmt::format(
        "  D: {} {} (the ICV computed with the SA's key does not match)", ipsec::to_string(in.result.verdict),
        in.result.verdict == ipsec::Verdict::Dropped ? ipsec::to_string(in.result.drop) : ""));
    rep_.check("the spoofed packet was refused by its ICV (IcvMismatch counter +1)",
               in.result.verdict == ipsec::Verdict::Dropped && in.result.drop == ipsec::Drop::IcvMismatch &&
                   icv_after == icv_before + 1,
               fmt::format("counter {} -> {}", icv_before, icv_after));
    // RFC 4303 §3.4.3: the window moves only after the ICV verified, so the
    // forged sequence number did not push genuine packets out.
    rep_.check("after both attacks A's next ping still goes through",
               ping(Side::C, host_a(), host_b(), 4, false));
}

void Demo::act_transport() {
    rep_.act("Act 5: transport mode (C pings D itself; ESP as IP protocol 50)");
    rep_.say(
        "  Transport mode protects the gateways' own traffic: no outer header, the original IP header "
        "stays.");
    rep_.say(
        "  These two SAs are keyed by hand (RFC 4301 §4.5 manual keying): random keys given to both "
        "gateways.");
    core::Bytes key(20);
    core::Bytes key2(20);
    if (!rng_.fill(key) || !rng_.fill(key2)) {
        rep_.check("random keys for the transport SAs", false);
        return;
    }
    const auto* enc = crypto::find_encryption("aes128gcm16");
    std::string why;
    for (const Side s : {Side::C, Side::D}) {
        for (const Side dir_from : {Side::C, Side::D}) {
            ipsec::SaConfig c;
            c.spi = dir_from == Side::C ? 0x00001001U : 0x00001002U;
            c.reqid = kTransportReqid;
            c.direction = dir_from == s ? ipsec::Direction::Outbound : ipsec::Direction::Inbound;
            c.mode = ipsec::Mode::Transport;
            c.src = Wire::address(dir_from);
            c.dst = Wire::address(other(dir_from));
            c.encryption = enc;
            c.encryption_key = core::SecretBytes(dir_from == Side::C ? key : key2);
            if (auto w = gw(s).install_manual(std::move(c)); !w.empty()) why = w;
        }
        for (const auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
            ipsec::Policy p;
            p.name = dir == ipsec::Direction::Outbound ? "gw-out" : "gw-in";
            p.direction = dir;
            p.priority = 5;
            p.selector.local = ipsec::AddressRange::from_prefix(packet::IpPrefix::host(Wire::address(s)));
            p.selector.remote =
                ipsec::AddressRange::from_prefix(packet::IpPrefix::host(Wire::address(other(s))));
            p.selector.protocol = packet::ipproto::kIcmp;
            p.action = ipsec::Action::Protect;
            p.protect.protocols = {ipsec::Protocol::Esp};
            p.protect.mode = ipsec::Mode::Transport;
            p.protect.reqid = kTransportReqid;
            if (auto w = gw(s).add_policy(std::move(p)); !w.empty()) why = w;
        }
    }
    if (!rep_.check("transport-mode SAs and policies installed on C and D", why.empty(), why)) return;
    snapshot_esp_keys(gw(Side::C));
    ping(Side::C, Wire::address(Side::C), Wire::address(Side::D), 1, true);
}

void Demo::act_ah() {
    rep_.act("Act 6: AH (tunnel mode, A's UDP to B): authenticated, not encrypted");
    rep_.say(
        "  AH SAs keyed by hand too (the IKEv2 engine negotiates ESP only); HMAC-SHA-256-128 (RFC 4868).");
    core::Bytes k1(32);
    core::Bytes k2(32);
    if (!rng_.fill(k1) || !rng_.fill(k2)) return;
    const auto* integ = crypto::find_integrity("sha256");
    std::string why;
    for (const Side s : {Side::C, Side::D}) {
        for (const Side dir_from : {Side::C, Side::D}) {
            ipsec::SaConfig c;
            c.spi = dir_from == Side::C ? 0x00002001U : 0x00002002U;
            c.reqid = kAhReqid;
            c.direction = dir_from == s ? ipsec::Direction::Outbound : ipsec::Direction::Inbound;
            c.protocol = ipsec::Protocol::Ah;
            c.mode = ipsec::Mode::Tunnel;
            c.src = Wire::address(dir_from);
            c.dst = Wire::address(other(dir_from));
            c.integrity = integ;
            c.integrity_key = core::SecretBytes(dir_from == Side::C ? k1 : k2);
            if (auto w = gw(s).install_manual(std::move(c)); !w.empty()) why = w;
        }
        for (const auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
            ipsec::Policy p;
            p.name = dir == ipsec::Direction::Outbound ? "ah-out" : "ah-in";
            p.direction = dir;
            p.priority = 5;
            p.selector.local = ipsec::AddressRange::from_prefix(gw(s).lan());
            p.selector.remote = ipsec::AddressRange::from_prefix(gw(other(s)).lan());
            p.selector.protocol = packet::ipproto::kUdp;
            p.action = ipsec::Action::Protect;
            p.protect.protocols = {ipsec::Protocol::Ah};
            p.protect.mode = ipsec::Mode::Tunnel;
            p.protect.tunnel_src =
                dir == ipsec::Direction::Outbound ? Wire::address(s) : Wire::address(other(s));
            p.protect.tunnel_dst =
                dir == ipsec::Direction::Outbound ? Wire::address(other(s)) : Wire::address(s);
            p.protect.reqid = kAhReqid;
            if (auto w = gw(s).add_policy(std::move(p)); !w.empty()) why = w;
        }
    }
    if (!rep_.check("AH SAs and policies installed on C and D", why.empty(), why)) return;
    static constexpr std::string_view kMsg = "hello B, from A (readable by anyone on the wire)";
    const core::ByteView data(reinterpret_cast<const std::uint8_t*>(kMsg.data()), kMsg.size());  // NOLINT
    const auto pkt = build_udp_packet(host_a(), 40000, host_b(), 7, data, ip_id_++);
    auto got = cross(Side::C, pkt, true, "UDP datagram under AH");
    rep_.check("A's UDP datagram delivered unchanged through AH", got && *got == pkt);
}

void Demo::act_rekey() {
    if (o_.ike == 1) {
        rep_.act("Act 7: IPsec SA rekey with PFS (a new quick mode with a new Diffie-Hellman exchange)");
    } else {
        rep_.act("Act 7: CHILD SA rekey with PFS (CREATE_CHILD_SA with a new Diffie-Hellman exchange)");
    }
    if (!child_[0]) {
        rep_.check("a CHILD SA to rekey", false);
        return;
    }
    const std::uint32_t old_in = child_[0]->spi_in;
    if (o_.ike == 1) {
        rep_.say("  C starts a quick mode under the same ISAKMP SA; the old pair is deleted afterwards.");
        if (!exchange(Side::C, engine1(Side::C).rekey_child(old_in, clock_.now()))) return;
    } else {
        auto out = rekey_child(engine(Side::C), old_in, clock_.now());
        if (!out) {
            rep_.not_available(
                "CHILD SA rekey with PFS",
                "the IKEv2 engine (src/ike/v2/engine.hpp) has no rekey request yet and answers "
                "CREATE_CHILD_SA with NO_ADDITIONAL_SAS");
            return;
        }
        if (!exchange(Side::C, std::move(*out))) return;
    }
    if (!rep_.check("the CHILD SA was rekeyed on C and D",
                    rekeyed_[0].has_value() && rekeyed_[1].has_value()))
        return;
    const auto& c = *rekeyed_[0];
    const auto& d = *rekeyed_[1];
    rep_.check("the new SA used a fresh Diffie-Hellman exchange (PFS)", c.algorithms.dh != nullptr,
               c.algorithms.dh != nullptr ? std::string(c.algorithms.dh->keyword) : "no DH group");
    rep_.check("new SPIs and new keys, agreed by C and D",
               c.spi_in != old_in && c.spi_out == d.spi_in &&
                   same(c.encryption_key_out.view(), d.encryption_key_in.view()) &&
                   !same(c.encryption_key_out.view(), child_[0]->encryption_key_out.view()));
    snapshot_esp_keys(gw(Side::C));
    std::string why;
    for (const Side s : {Side::C, Side::D}) {
        auto& ch = *rekeyed_[static_cast<std::size_t>(s)];
        if (auto w = gw(s).install_child(ch, kTunnelReqid); !w.empty()) why = w;
    }
    if (!rep_.check("the new SAs are installed", why.empty(), why)) return;
    ping(Side::C, host_a(), host_b(), 5, true, c.spi_out);
    for (const Side s : {Side::C, Side::D}) {
        const auto& oldc = *child_[static_cast<std::size_t>(s)];
        (void)gw(s).remove_inbound(oldc.spi_in, ipsec::Protocol::Esp);
        gw(s).remove_outbound_except(kTunnelReqid, rekeyed_[static_cast<std::size_t>(s)]->spi_out);
    }
    child_[0] = std::move(rekeyed_[0]);
    child_[1] = std::move(rekeyed_[1]);
}

void Demo::snapshot_esp_keys(Gateway& g) {
    for (const auto& sa : g.sad().all()) {
        const auto& c = sa->config();
        if (c.protocol != ipsec::Protocol::Esp || c.encryption == nullptr) continue;
        bool dup = false;
        for (const auto& k : esp_keys_) dup = dup || (k.spi == c.spi && k.dst == c.dst);
        if (dup) continue;
        auto enc = wireshark_esp_encryption(*c.encryption);
        if (!enc) continue;
        esp_keys_.push_back({c.src, c.dst, c.spi, *enc,
                             core::Bytes(c.encryption_key.view().begin(), c.encryption_key.view().end()),
                             wireshark_esp_integrity(c.integrity),
                             core::Bytes(c.integrity_key.view().begin(), c.integrity_key.view().end())});
    }
}

void Demo::act_tls() {
    rep_.act("Act 8: TLS 1.3 from A to B through the tunnel, then a resumed session");
    std::string why;
    auto pki = TlsPki::make(clock_.wall_now(), &why);
    if (!pki) {
        rep_.check("a throw-away CA and B's certificate", false, why);
        return;
    }
    TlsStage stage(*pki, clock_, rng_, tls_keylog_);
    auto carry = [&](bool a_to_b, core::ByteView ip) -> std::optional<core::Bytes> {
        return cross(a_to_b ? Side::C : Side::D, ip, false, a_to_b ? "TLS segment A->B" : "TLS segment B->A");
    };
    for (int round = 1; round <= 2; ++round) {
        rep_.say(
            round == 1
                ? "  Connection 1: a full handshake (B proves itself with its certificate)."
                : "  Connection 2: the client offers the ticket B gave it (PSK resumption, RFC 8446 §2.2).");
        auto res = stage.connect(static_cast<std::uint16_t>(49151 + round), carry,
                                 [&](const std::string& line) { rep_.say(line); });
        if (!res.error.empty()) {
            rep_.check(fmt::format("TLS connection {} completed through the tunnel", round), false,
                       res.error);
            return;
        }
        rep_.check(fmt::format("TLS connection {}: handshake complete, {} {} {}", round, res.version,
                               res.suite, res.group),
                   true);
        rep_.check(fmt::format("TLS connection {}: B's answer reached A intact", round), res.echo_ok);
        if (round == 1) {
            rep_.check("connection 1 was a full handshake with B's certificate verified",
                       !res.resumed && res.verified, res.peer);
        } else {
            rep_.check("connection 2 resumed the session (no certificate sent, PSK accepted by both sides)",
                       res.resumed && res.server_resumed);
        }
    }
    const auto sa =
        child_[1]
            ? gw(Side::D).sad().inbound({child_[1]->spi_in, Wire::address(Side::D), ipsec::Protocol::Esp})
            : nullptr;
    rep_.say(fmt::format("  Every TCP segment above went through ESP SPI 0x{:08x}.", sa ? sa->spi() : 0));
}

void Demo::write_keys() {
    if (o_.keys.empty()) return;
    snapshot_esp_keys(gw(Side::C));
    std::vector<packet::EspSaKeys> esp;
    for (const auto& k : esp_keys_)
        esp.push_back({k.src, k.dst, k.spi, k.enc, k.enc_key, k.integ, k.integ_key});
    std::ofstream f(o_.keys + "/esp_sa");
    packet::write_esp_sa_file(f, esp);
    std::ofstream g(o_.keys + (o_.ike == 1 ? "/ikev1_decryption_table" : "/ikev2_decryption_table"));
    std::size_t ike = 0;
    if (eng1_[0]) {
        // Wireshark's ikev1_decryption_table: initiator cookie, phase I cipher key.
        for (const auto& sa : engine1(Side::C).ike_sas()) {
            if (sa.enc_key.empty()) continue;
            g << packet::ikev1_record(sa.id.spi_i, sa.enc_key) << '\n';
            ++ike;
        }
    }
    if (eng_[0]) {
        for (const auto& e : engine(Side::C).key_log()) {
            if (e.algorithms.encryption == nullptr) continue;
            auto enc = wireshark_ike_encryption(*e.algorithms.encryption);
            if (!enc) continue;
            packet::Ikev2SaKeys k{
                e.id.spi_i, e.id.spi_r, e.sk_ei, e.sk_er,
                *enc,       e.sk_ai,    e.sk_ar, wireshark_ike_integrity(e.algorithms.integrity)};
            g << packet::ikev2_record(k) << '\n';
            ++ike;
        }
    }
    rep_.check(fmt::format("key files written to {} ({} ESP SAs, {} IKE SAs, {} TLS secrets)", o_.keys,
                           esp.size(), ike, tls_keylog_ ? tls_keylog_->lines() : 0),
               static_cast<bool>(f) && static_cast<bool>(g) && !esp.empty() && ike > 0);
}

int Demo::run() {
    if (!setup()) return 2;
    bool ok = o_.ike == 1 ? act_ike_v1() : act_ike_v2();
    if (ok) {
        act_databases();
        act_tunnel();
        act_attacks();
        act_transport();
        act_ah();
        act_rekey();
        act_tls();
        act_databases();
    }
    write_keys();
    if (!o_.pcap.empty()) {
        rep_.act("The capture");
        rep_.check(fmt::format("{} packets written to {}", wire_->records(), o_.pcap),
                   wire_->finish() && wire_->records() > 0);
    }
    rep_.summary();
    if (o_.json) fmt::print("{}\n", rep_.json(o_.ike, o_.pcap, o_.keys));
    return rep_.failed() == 0 ? 0 : 1;
}

}  // namespace

int play(const Options& o) {
    Demo d(o);
    return d.run();
}

}  // namespace strata::apps::demo
