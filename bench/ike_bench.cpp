// ike_bench.cpp: IKEv2 SA setup cost beside its cryptographic ceiling, same run.
//
//   BM_IkeSaSetup/<auth>/<group>   one IKE_SA_INIT + IKE_AUTH (with the first
//       CHILD SA) between two fresh engines in memory, one thread, every
//       datagram delivered; both sides report the CHILD SA up. Each side
//       keeps one certificate cache across setups (EngineConfig::
//       certificate_cache), as a long-lived engine does.
//   BM_IkeCeiling/<auth>/<group>   the public-key work that setup cannot
//       avoid, alone: both sides' DH key generation and shared-secret
//       derivation, and for certificates both sides' AUTH signature, its
//       verification by the peer, and the verification of the CA's signature
//       on each peer certificate (the chain check of RFC 7296 §3.6, one
//       ECDSA verification per side here). Public keys are loaded before the
//       loop: setup takes them from parsed certificates, which is not
//       public-key work.
//
// auth is psk or ecdsa-p256 (certificates from one CA, made at start-up);
// group is x25519, ecp256 or modp2048. The ratio ceiling/setup (time per
// operation) says how much of a setup is spent outside those operations.
#include <benchmark/benchmark.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/dh.hpp"
#include "crypto/random.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/proposal.hpp"
#include "ike/v2/certificates.hpp"
#include "ike/v2/engine.hpp"

namespace {

using namespace strata;

core::ByteView text(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Pki {
    std::shared_ptr<crypto::PrivateKey> ca_key, c_key, d_key;
    std::optional<crypto::Certificate> ca, c, d;
};

const Pki& pki() {
    static const Pki p = [] {
        Pki x;
        auto make_key = [] {
            return std::make_shared<crypto::PrivateKey>(
                std::move(crypto::PrivateKey::generate(crypto::SignatureAlg::EcdsaP256Sha256)).value());
        };
        x.ca_key = make_key();
        x.c_key = make_key();
        x.d_key = make_key();
        const auto now = std::chrono::system_clock::now();
        crypto::CertificateSpec ca;
        ca.common_name = "Bench CA";
        ca.is_ca = true;
        ca.not_before = now - std::chrono::hours(1);
        ca.not_after = now + std::chrono::hours(24);
        x.ca = *crypto::issue_certificate(ca, *x.ca_key->public_key(), *x.ca_key, nullptr);
        auto leaf = [&](const char* name, const crypto::PrivateKey& k, std::uint64_t serial) {
            crypto::CertificateSpec s;
            s.common_name = name;
            s.dns_names = {name};
            s.not_before = ca.not_before;
            s.not_after = ca.not_after;
            s.serial = serial;
            return *crypto::issue_certificate(s, *k.public_key(), *x.ca_key, &*x.ca);
        };
        x.c = leaf("gw-c.example.org", *x.c_key, 2);
        x.d = leaf("gw-d.example.org", *x.d_key, 3);
        return x;
    }();
    return p;
}

std::string ike_proposal(const std::string& group) { return "aes128gcm16-prfsha256-" + group; }

ike::ConnectionConfig connection(bool initiator, const std::string& auth, const std::string& group) {
    ike::ConnectionConfig c;
    c.name = "c";
    c.local_address = *packet::IpAddress::parse(initiator ? "198.51.100.1" : "198.51.100.2");
    c.remote_address = *packet::IpAddress::parse(initiator ? "198.51.100.2" : "198.51.100.1");
    c.local_id = *ike::parse_identity(initiator ? "gw-c.example.org" : "gw-d.example.org");
    c.remote_id = *ike::parse_identity(initiator ? "gw-d.example.org" : "gw-c.example.org");
    c.psk = core::SecretBytes(text("bench-psk-0123456789"));
    c.ike_proposals = *ike::parse_proposals(ike_proposal(group), ike::ProposalUse::Ike);
    c.esp_proposals = *ike::parse_proposals("aes128gcm16", ike::ProposalUse::Esp);
    c.local_ts = *ike::parse_traffic_selectors(initiator ? "192.0.2.0/24" : "203.0.113.0/24");
    c.remote_ts = *ike::parse_traffic_selectors(initiator ? "203.0.113.0/24" : "192.0.2.0/24");
    if (auth != "psk") {
        const Pki& p = pki();
        c.auth = ike::AuthKind::PublicKey;
        c.local_certs = {initiator ? *p.c : *p.d};
        c.private_key = initiator ? p.c_key : p.d_key;
        c.ca_certs = {*p.ca};
    }
    return c;
}

const core::RealClock g_clock;

// setup_once runs one exchange; true when both sides have their CHILD SA.
bool setup_once(ike::v2::Engine& a, ike::v2::Engine& b) {
    std::deque<ike::v2::Datagram> to_a, to_b;
    std::size_t up = 0;
    auto take = [&](ike::v2::Output o, std::deque<ike::v2::Datagram>& q) {
        for (auto& d : o.datagrams) q.push_back(std::move(d));
        for (const auto& e : o.events) up += std::holds_alternative<ike::ChildSaUp>(e) ? 1 : 0;
    };
    const auto now = g_clock.now();
    take(a.initiate("c", now), to_b);
    for (int i = 0; i < 16 && (!to_a.empty() || !to_b.empty()); ++i) {
        while (!to_b.empty()) {
            auto d = std::move(to_b.front());
            to_b.pop_front();
            std::swap(d.local, d.remote);
            take(b.receive(d, now), to_a);
        }
        while (!to_a.empty()) {
            auto d = std::move(to_a.front());
            to_a.pop_front();
            std::swap(d.local, d.remote);
            take(a.receive(d, now), to_b);
        }
    }
    return up == 2;
}

void BM_IkeSaSetup(benchmark::State& state, const std::string& auth, const std::string& group) {
    // Each side keeps its certificate cache across setups, as one long-lived
    // engine would: the peer's certificate is parsed in the first setup and
    // reused after (its chain, validity and identity are checked every time).
    auto cache_a = std::make_shared<crypto::CertificateCache>(ike::kEngineCertificateCacheCapacity);
    auto cache_b = std::make_shared<crypto::CertificateCache>(ike::kEngineCertificateCacheCapacity);
    for (auto _ : state) {
        state.PauseTiming();
        ike::EngineConfig ea, eb;
        ea.connections.push_back(connection(true, auth, group));
        eb.connections.push_back(connection(false, auth, group));
        ea.wall_clock = &g_clock;
        eb.wall_clock = &g_clock;
        ea.certificate_cache = cache_a;
        eb.certificate_cache = cache_b;
        auto a = std::make_unique<ike::v2::Engine>(std::move(ea), crypto::system_random());
        auto b = std::make_unique<ike::v2::Engine>(std::move(eb), crypto::system_random());
        state.ResumeTiming();
        if (!setup_once(*a, *b)) {
            state.SkipWithError("the SA did not come up");
            return;
        }
        state.PauseTiming();
        a.reset();
        b.reset();
        state.ResumeTiming();
    }
}

void BM_IkeCeiling(benchmark::State& state, const std::string& auth, const std::string& group) {
    const auto* dh = crypto::find_dh(std::string_view(group));
    if (dh == nullptr) {
        state.SkipWithError("unknown group");
        return;
    }
    constexpr auto kAlg = crypto::SignatureAlg::EcdsaP256Sha256;
    const core::Bytes octets(600, 0x5a);  // about the size of the signed octets
    // Each side's certificate check verifies the CA's signature over the
    // peer certificate's TBSCertificate: the same operation over a buffer of
    // the certificate's size, signed by the CA key once here.
    struct Side {
        const crypto::PrivateKey* key = nullptr;
        std::optional<crypto::PublicKey> pub;  // as the peer gets it from the certificate
    };
    std::vector<Side> sides;
    std::optional<crypto::PublicKey> ca_pub;
    core::Bytes tbs;
    core::Bytes ca_sig;
    if (auth != "psk") {
        const Pki& p = pki();
        sides.push_back(Side{p.c_key.get(), *p.c->public_key()});
        sides.push_back(Side{p.d_key.get(), *p.d->public_key()});
        ca_pub = *p.ca->public_key();
        tbs.assign(p.c->to_der()->size(), 0xa5);
        ca_sig = *crypto::sign(*p.ca_key, kAlg, tbs);
    }
    for (auto _ : state) {
        auto ki = crypto::KeyExchange::generate(dh->group);
        auto kr = crypto::KeyExchange::generate(dh->group);
        auto gi = ki->derive(kr->public_value(crypto::Encoding::Ike), crypto::Encoding::Ike);
        auto gr = kr->derive(ki->public_value(crypto::Encoding::Ike), crypto::Encoding::Ike);
        benchmark::DoNotOptimize(gi);
        benchmark::DoNotOptimize(gr);
        for (const auto& s : sides) {
            auto sig = crypto::sign(*s.key, kAlg, octets);
            auto ok = crypto::verify(*s.pub, kAlg, octets, *sig);
            auto chain = crypto::verify(*ca_pub, kAlg, tbs, ca_sig);
            if (!sig || !ok || !chain) {
                state.SkipWithError("a signature did not verify");
                return;
            }
        }
    }
}

void register_all() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"psk", "x25519"}, {"psk", "ecp256"}, {"psk", "modp2048"}, {"ecdsa-p256", "x25519"}};
    for (const auto& [auth, group] : cases) {
        benchmark::RegisterBenchmark(("BM_IkeSaSetup/" + auth + "/" + group).c_str(), BM_IkeSaSetup, auth,
                                     group)
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("BM_IkeCeiling/" + auth + "/" + group).c_str(), BM_IkeCeiling, auth,
                                     group)
            ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
