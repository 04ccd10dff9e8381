// demo_tls.cpp: TLS 1.3 between A and B, carried through the tunnel.
#include "apps/strata/demo_tls.hpp"

#include <fmt/core.h>

#include <chrono>

#include "apps/strata/demo_lan.hpp"
#include "core/reader.hpp"
#include "packet/address.hpp"
#include "packet/ipv4.hpp"
#include "tls/connection.hpp"
#include "tls/session_cache.hpp"

namespace strata::apps::demo {

namespace {

constexpr std::string_view kServerName = "b.example.org";

packet::IpAddress host_a() { return packet::IpAddress::v4(0xc000020aU); }
packet::IpAddress host_b() { return packet::IpAddress::v4(0xc6336414U); }

// tcp_payload returns the data of a delivered IPv4/TCP packet.
std::optional<core::ByteView> tcp_payload(core::ByteView ip) {
    auto p = packet::parse_ipv4(ip);
    if (!p || p->payload.size() < 20) return std::nullopt;
    const std::size_t off = static_cast<std::size_t>(p->payload[12] >> 4) * 4;
    if (off < 20 || off > p->payload.size()) return std::nullopt;
    return p->payload.subspan(off);
}

// records lists the TLS records in a flight, read from its bytes (RFC 8446 §5.1).
std::string records(core::ByteView flight) {
    core::Reader r(flight);
    std::string out;
    while (!r.empty()) {
        auto type = r.u8();
        auto ver = r.u16();
        auto frag = r.prefixed16();
        if (!type || !ver || !frag) return out + " (partial record)";
        std::string name;
        switch (*type) {
            case 20: name = "change_cipher_spec"; break;
            case 21: name = "alert"; break;
            case 22: {
                auto hs = frag->peek_u8();
                const std::uint8_t t = hs ? *hs : 0;
                name = t == 1   ? "handshake:ClientHello"
                       : t == 2 ? "handshake:ServerHello"
                                : fmt::format("handshake:{}", t);
                break;
            }
            case 23: name = "application_data(encrypted)"; break;
            default: name = fmt::format("type {}", *type);
        }
        out += fmt::format(" [{} {}B]", name, frag->remaining());
    }
    return out;
}

std::string_view phase_of(bool from_client, int flight, bool resumed) {
    if (from_client && flight == 0)
        return "phase 1 key exchange: ClientHello with its key share (and the ticket, if resuming)";
    if (!from_client && flight == 0)
        return resumed
                   ? "phase 1 key exchange: ServerHello (PSK accepted); phases 2-3 encrypted: "
                     "EncryptedExtensions, "
                     "Finished - no certificate"
                   : "phase 1 key exchange: ServerHello; phase 2 server parameters (EncryptedExtensions) and "
                     "phase 3 authentication (Certificate, CertificateVerify, Finished), encrypted";
    if (from_client && flight == 1) return "phase 3 authentication: the client's Finished (encrypted)";
    return "after the handshake: NewSessionTicket (encrypted), the ticket a later connection resumes with";
}

}  // namespace

std::shared_ptr<TlsKeyLog> TlsKeyLog::open(const std::string& path) {
    auto k = std::make_shared<TlsKeyLog>();
    k->f_.open(path, std::ios::trunc);
    if (!k->f_) return nullptr;
    return k;
}

void TlsKeyLog::log(std::string_view line) {
    const std::lock_guard lock(mu_);
    f_ << line << '\n';
    f_.flush();
    ++lines_;
}

std::size_t TlsKeyLog::lines() const {
    const std::lock_guard lock(mu_);
    return lines_;
}

std::optional<TlsPki> TlsPki::make(core::WallTime now, std::string* why) {
    auto fail = [&](std::string w) -> std::optional<TlsPki> {
        if (why != nullptr) *why = std::move(w);
        return std::nullopt;
    };
    auto ca_key = crypto::PrivateKey::generate(crypto::SignatureAlg::EcdsaP256Sha256);
    auto srv_key = crypto::PrivateKey::generate(crypto::SignatureAlg::EcdsaP256Sha256);
    if (!ca_key || !srv_key) return fail("cannot generate P-256 keys");
    auto ca_pub = ca_key->public_key();
    auto srv_pub = srv_key->public_key();
    if (!ca_pub || !srv_pub) return fail("cannot read the public keys");
    const crypto::CertificateSpec ca_spec{
        "Strata demo CA", {}, {}, true, now - std::chrono::hours(1), now + std::chrono::hours(24), 1};
    auto ca = crypto::issue_certificate(ca_spec, *ca_pub, *ca_key, nullptr);
    if (!ca) return fail("cannot issue the CA certificate");
    const crypto::CertificateSpec srv_spec{std::string(kServerName),
                                           {std::string(kServerName)},
                                           {"198.51.100.20"},
                                           false,
                                           now - std::chrono::hours(1),
                                           now + std::chrono::hours(24),
                                           2};
    auto srv = crypto::issue_certificate(srv_spec, *srv_pub, *ca_key, &*ca);
    if (!srv) return fail("cannot issue B's certificate");
    TlsPki p;
    p.server_key = std::make_shared<crypto::PrivateKey>(std::move(*srv_key));
    p.chain.push_back(std::move(*srv));
    p.trust = std::make_shared<crypto::TrustStore>();
    if (!p.trust->add(*ca)) return fail("cannot trust the CA");
    return p;
}

TlsStage::TlsStage(const TlsPki& pki, const core::Clock& clock, crypto::RandomSource& rng,
                   std::shared_ptr<TlsKeyLog> keylog)
    : clock_(clock), rng_(rng) {
    server_ = std::make_shared<tls::Config>();
    server_->certificate_chain = pki.chain;
    server_->private_key = pki.server_key;
    server_->verify = tls::VerifyMode::None;
    server_->sessions = std::make_shared<tls::SessionCache>(clock);
    client_ = std::make_shared<tls::Config>();
    client_->trust_store = pki.trust;
    client_->verify = tls::VerifyMode::Required;
    client_->sessions = std::make_shared<tls::SessionCache>(clock);
    client_->keylog = std::move(keylog);
}

TlsResult TlsStage::connect(std::uint16_t sport, const Carry& carry, const Say& say) {
    TlsResult res;
    std::uint32_t isn_a = 0;
    std::uint32_t isn_b = 0;
    core::Bytes r(8);
    if (rng_.fill(r)) {
        isn_a = (std::uint32_t{r[0]} << 24) | (std::uint32_t{r[1]} << 16) | (std::uint32_t{r[2]} << 8) | r[3];
        isn_b = (std::uint32_t{r[4]} << 24) | (std::uint32_t{r[5]} << 16) | (std::uint32_t{r[6]} << 8) | r[7];
    }
    TcpFlow a(host_a(), sport, host_b(), 443, isn_a);
    TcpFlow b(host_b(), 443, host_a(), sport, isn_b);
    // send moves segments and returns the TCP data that arrived.
    auto send = [&](bool a_to_b, const std::vector<core::Bytes>& segs) -> std::optional<core::Bytes> {
        core::Bytes data;
        for (const auto& s : segs) {
            auto got = carry(a_to_b, s);
            if (!got || *got != s) return std::nullopt;
            auto p = tcp_payload(*got);
            if (!p) return std::nullopt;
            data.insert(data.end(), p->begin(), p->end());
        }
        return data;
    };
    // RFC 9293 §3.5: the three-way handshake, through the tunnel too.
    if (!send(true, a.segments({}, kTcpSyn, 0)) ||
        !send(false, b.segments({}, kTcpSyn | kTcpAck, a.next_seq())) ||
        !send(true, a.segments({}, kTcpAck, b.next_seq()))) {
        res.error = "the TCP handshake did not cross the tunnel";
        return res;
    }
    say(fmt::format("    TCP 192.0.2.10:{} -> 198.51.100.20:443: SYN, SYN-ACK, ACK through the tunnel",
                    sport));
    auto client = tls::Connection::client(client_, std::string(kServerName), clock_, rng_);
    auto server = tls::Connection::server(server_, clock_, rng_);
    if (!client || !server) {
        res.error = "cannot create the TLS connections";
        return res;
    }
    auto& c = **client;
    auto& s = **server;
    if (!c.start() || !s.start()) {
        res.error = "TLS start failed";
        return res;
    }
    int flights[2] = {0, 0};
    // pump moves every queued byte both ways until both sides are quiet.
    auto pump = [&](bool label) -> bool {
        for (int i = 0; i < 16; ++i) {
            bool moved = false;
            for (const bool from_client : {true, false}) {
                tls::Connection& src = from_client ? c : s;
                tls::Connection& dst = from_client ? s : c;
                auto bytes = src.take_output();
                if (bytes.empty()) continue;
                moved = true;
                if (label) {
                    say(fmt::format("    {} -> {} ({} bytes):{}", from_client ? "A" : "B",
                                    from_client ? "B" : "A", bytes.size(), records(bytes)));
                    say(fmt::format("        {}", phase_of(from_client, flights[from_client ? 0 : 1],
                                                           c.negotiated().resumed)));
                    ++flights[from_client ? 0 : 1];
                }
                TcpFlow& f = from_client ? a : b;
                TcpFlow& peer = from_client ? b : a;
                auto got = send(from_client, f.segments(bytes, kTcpAck, peer.next_seq()));
                if (!got || *got != bytes) {
                    res.error = "a TLS segment was lost or changed in the tunnel";
                    return false;
                }
                if (auto st = dst.receive(*got); !st) {
                    res.error = fmt::format("TLS: {}", tls::to_string(st.error()));
                    return false;
                }
            }
            if (!moved) return true;
        }
        return true;
    };
    if (!pump(true)) return res;
    if (!c.handshake_complete() || !s.handshake_complete()) {
        res.error = fmt::format("the handshake did not complete (client {}, server {})",
                                tls::to_string(c.state()), tls::to_string(s.state()));
        return res;
    }
    const auto& n = c.negotiated();
    res.version = std::string(tls::version_name(n.version));
    res.suite = std::string(tls::cipher_suite_name(n.cipher_suite));
    res.group = std::string(tls::group_name(n.group));
    res.resumed = n.resumed;
    res.server_resumed = s.negotiated().resumed;
    res.peer = n.peer_subject;
    res.verified = !n.resumed && !n.peer_subject.empty();
    // Phase 4: application data.
    static constexpr std::string_view kReq = "GET / HTTP/1.1\r\nHost: b.example.org\r\n\r\n";
    static constexpr std::string_view kAns =
        "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nhello A, this is B\n";
    const core::ByteView req(reinterpret_cast<const std::uint8_t*>(kReq.data()), kReq.size());  // NOLINT
    const core::ByteView ans(reinterpret_cast<const std::uint8_t*>(kAns.data()), kAns.size());  // NOLINT
    if (!c.write(req) || !pump(false)) {
        if (res.error.empty()) res.error = "the request did not go through";
        return res;
    }
    const auto got_req = s.read();
    if (!s.write(ans) || !pump(false)) {
        if (res.error.empty()) res.error = "the answer did not go through";
        return res;
    }
    const auto got_ans = c.read();
    res.echo_ok =
        core::Bytes(req.begin(), req.end()) == got_req && core::Bytes(ans.begin(), ans.end()) == got_ans;
    say(fmt::format(
        "    phase 4 application data: A sent {} bytes, B answered {} bytes (encrypted records, then ESP)",
        got_req.size(), got_ans.size()));
    (void)c.close();
    (void)s.close();
    (void)pump(false);
    say(fmt::format("    {} {} {}{}, close_notify both ways", res.version, res.suite, res.group,
                    res.resumed ? ", resumed" : ""));
    return res;
}

}  // namespace strata::apps::demo
