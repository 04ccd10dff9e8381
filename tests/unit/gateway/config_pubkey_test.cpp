// config_pubkey_test.cpp: auth = "pubkey" peers: the cert, key and cacert
// files are loaded and checked when the configuration is parsed, identities
// of every type, and each refusal with its file, line and reason.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "gateway/config.hpp"
#include "gateway/ike_config.hpp"

namespace strata::gateway {
namespace {

namespace fs = std::filesystem;

// Pki is a throw-away CA and the certificates it issued, as PEM files in a
// directory of their own, valid around the real time (the parser checks
// that our own certificate is valid now).
class Pki {
public:
    explicit Pki(const std::string& tag, const std::string& ca_name = "Test Gateway CA")
        : dir_(fs::temp_directory_path() / ("strata-gwcerts-" + tag + "-" + std::to_string(::getpid()))) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        ca_key_ = std::make_shared<crypto::PrivateKey>(
            crypto::PrivateKey::generate(crypto::SignatureAlg::EcdsaP256Sha256).value());
        crypto::CertificateSpec spec;
        spec.common_name = ca_name;
        spec.is_ca = true;
        spec.not_before = now() - std::chrono::hours(1);
        spec.not_after = now() + std::chrono::hours(24 * 30);
        ca_ = std::make_unique<crypto::Certificate>(
            crypto::issue_certificate(spec, ca_key_->public_key().value(), *ca_key_, nullptr).value());
        write("ca.pem", ca_->to_pem().value(), 0644);
    }
    ~Pki() { fs::remove_all(dir_); }
    Pki(const Pki&) = delete;
    Pki& operator=(const Pki&) = delete;

    static core::WallTime now() { return std::chrono::system_clock::now(); }

    // issue writes NAME.pem (the certificate, then the CA as an
    // intermediate-like second block when chain is set) and NAME.key (0600).
    void issue(const std::string& name, std::vector<std::string> dns, std::vector<std::string> ips,
               core::WallTime not_before = now() - std::chrono::hours(1),
               core::WallTime not_after = now() + std::chrono::hours(24 * 30), bool chain = false) {
        auto key = crypto::PrivateKey::generate(crypto::SignatureAlg::EcdsaP256Sha256).value();
        crypto::CertificateSpec spec;
        spec.common_name = name + ".example.org";
        spec.dns_names = std::move(dns);
        spec.ip_addresses = std::move(ips);
        spec.not_before = not_before;
        spec.not_after = not_after;
        spec.serial = ++serial_;
        auto cert = crypto::issue_certificate(spec, key.public_key().value(), *ca_key_, ca_.get()).value();
        std::string pem = cert.to_pem().value();
        if (chain) pem += ca_->to_pem().value();
        write(name + ".pem", pem, 0644);
        write(name + ".key", key.to_pem().value(), 0600);
    }

    void write(const std::string& name, const std::string& text, unsigned mode) const {
        const std::string p = path(name);
        {
            std::ofstream f(p, std::ios::binary | std::ios::trunc);
            f << text;
        }
        EXPECT_EQ(::chmod(p.c_str(), mode), 0);
    }

    [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
    [[nodiscard]] std::string dir() const { return dir_.string(); }

private:
    fs::path dir_;
    std::shared_ptr<crypto::PrivateKey> ca_key_;
    std::unique_ptr<crypto::Certificate> ca_;
    std::uint64_t serial_ = 1;
};

// kHead is lines 1-4; the peer's own keys start on line 5.
const std::string kHead = R"([gateway]
addresses = ["198.51.100.1"]
[peers.gw-d]
address = "198.51.100.2"
)";
// kChild follows the peer's keys.
const std::string kChild = R"([peers.gw-d.children.net]
local_ts = "192.0.2.0/24"
remote_ts = "203.0.113.0/24"
)";

core::Result<GatewayConfig, ConfigError> parse(const Pki& pki, const std::string& text) {
    return parse_gateway_config(text, "gw.toml", pki.dir());
}

// peer returns kHead, `keys` (starting on line 5) and kChild.
std::string peer(const std::string& keys) { return kHead + keys + kChild; }

const std::string kPubkey =
    "auth = \"pubkey\"\ncert = \"gw-c.pem\"\nkey = \"gw-c.key\"\ncacert = \"ca.pem\"\n";

void expect_refused(const Pki& pki, const std::string& text, int line, const std::string& reason) {
    SCOPED_TRACE(text);
    auto c = parse(pki, text);
    ASSERT_FALSE(c.ok());
    const std::string& m = c.error().message;
    EXPECT_EQ(m.rfind("gw.toml:" + std::to_string(line) + ":", 0), 0U) << m;
    EXPECT_NE(m.find(reason), std::string::npos) << m;
}

TEST(GatewayConfigPubkey, LoadsCertificateChainKeyAndCaIntoTheIkev2Connection) {
    Pki pki("load");
    pki.issue("gw-c", {"gw-c.example.org"}, {"198.51.100.1"}, Pki::now() - std::chrono::hours(1),
              Pki::now() + std::chrono::hours(24), /*chain=*/true);
    auto c = parse(pki, peer(kPubkey));
    ASSERT_TRUE(c.ok()) << c.error().message;
    const AuthConfig& a = c->peers.at(0).auth;
    EXPECT_EQ(a.method, AuthMethod::PubKey);
    EXPECT_EQ(a.cert, pki.path("gw-c.pem"));  // relative to the configuration's directory
    EXPECT_EQ(a.key, pki.path("gw-c.key"));
    EXPECT_EQ(a.cacert, pki.path("ca.pem"));
    ASSERT_EQ(a.certs.size(), 2U);  // ours, then the "intermediate"
    EXPECT_EQ(a.certs[0].subject(), "CN=gw-c.example.org");
    EXPECT_EQ(a.cacerts.size(), 1U);
    ASSERT_NE(a.private_key, nullptr);
    EXPECT_TRUE(a.private_key->public_key()->equals(a.certs[0].public_key().value()));
    EXPECT_EQ(a.fingerprint.size(), 64U);
    EXPECT_TRUE(a.psk.empty());
    auto runnable = check_runnable(*c);
    ASSERT_TRUE(runnable.ok()) << runnable.error().message;

    auto plans = plan_peers(*c);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    const PeerPlan& p = plans->front();
    ASSERT_EQ(p.v2.connections.size(), 1U);
    const ike::ConnectionConfig& conn = p.v2.connections[0];
    EXPECT_EQ(conn.auth, ike::AuthKind::PublicKey);
    EXPECT_EQ(conn.local_certs.size(), 2U);
    EXPECT_EQ(conn.ca_certs.size(), 1U);
    EXPECT_EQ(conn.private_key, a.private_key);
    // No local_id: the subject DN; no remote_id: any identity the peer's
    // certificate certifies.
    EXPECT_EQ(conn.local_id.type, ike::IdType::DerAsn1Dn);
    EXPECT_EQ(ike::to_string(conn.local_id), "CN=gw-c.example.org");
    EXPECT_TRUE(conn.remote_id.data.empty());
    ASSERT_NE(p.v2.wall_clock, nullptr);  // certificate validity needs calendar time
    const auto skew = p.v2.wall_clock->wall_now() - Pki::now();
    EXPECT_LT(std::chrono::abs(skew), std::chrono::minutes(1));
}

TEST(GatewayConfigPubkey, IdentitiesOfEveryTypeReachTheConnection) {
    Pki pki("ids");
    pki.issue("gw-c", {"gw-c.example.org"}, {"198.51.100.1", "2001:db8:ff::1"});
    struct Case {
        std::string local, remote;
        ike::IdType local_type, remote_type;
    };
    const std::vector<Case> cases = {
        {"gw-c.example.org", "gw-d.example.org", ike::IdType::Fqdn, ike::IdType::Fqdn},
        {"198.51.100.1", "198.51.100.2", ike::IdType::Ipv4, ike::IdType::Ipv4},
        {"2001:db8:ff::1", "2001:db8:ff::2", ike::IdType::Ipv6, ike::IdType::Ipv6},
        {"dn:CN=gw-c.example.org", "dn:O=interop-test, CN=gw-d.example.org", ike::IdType::DerAsn1Dn,
         ike::IdType::DerAsn1Dn},
        {"CN=gw-c.example.org", "admin@gw-d.example.org", ike::IdType::DerAsn1Dn, ike::IdType::Rfc822},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.local + " / " + k.remote);
        auto c =
            parse(pki, peer(kPubkey + "local_id = \"" + k.local + "\"\nremote_id = \"" + k.remote + "\"\n"));
        ASSERT_TRUE(c.ok()) << c.error().message;
        auto plans = plan_peers(*c);
        ASSERT_TRUE(plans.ok()) << plans.error().message;
        const ike::ConnectionConfig& conn = plans->front().v2.connections.at(0);
        EXPECT_EQ(conn.local_id.type, k.local_type);
        EXPECT_EQ(conn.remote_id.type, k.remote_type);
        EXPECT_FALSE(conn.local_id.data.empty());
        EXPECT_FALSE(conn.remote_id.data.empty());
    }
}

TEST(GatewayConfigPubkey, EachBadFileOrKeyIsRefusedWithLineAndReason) {
    Pki pki("bad");
    pki.issue("gw-c", {"gw-c.example.org"}, {});
    pki.issue("other", {"other.example.org"}, {});
    ASSERT_TRUE(parse(pki, peer(kPubkey)).ok());
    const std::string cert = "cert = \"gw-c.pem\"\n";  // line 6
    const std::string key = "key = \"gw-c.key\"\n";    // line 7
    const std::string ca = "cacert = \"ca.pem\"\n";    // line 8
    const std::string head = "auth = \"pubkey\"\n";    // line 5

    // Missing pieces: the auth line says what is needed.
    expect_refused(pki, peer(head + cert + key), 5, "needs 'cacert'");
    expect_refused(pki, peer(head + key + ca), 5, "needs 'cert'");
    expect_refused(pki, peer(head + cert + ca), 5, "needs 'key'");
    // Files that cannot be read or hold no PEM.
    expect_refused(pki, peer(head + "cert = \"nope.pem\"\n" + key + ca), 6, "cannot be read");
    pki.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", 0644);
    expect_refused(pki, peer(head + "cert = \"garbage.pem\"\n" + key + ca), 6, "holds no PEM certificate");
    expect_refused(pki, peer(head + cert + key + "cacert = \"garbage.pem\"\n"), 8,
                   "holds no PEM certificate");
    expect_refused(pki, peer(head + cert + key + "cacert = \"missing-ca.pem\"\n"), 8, "cannot be read");
    pki.write("notakey.key", "hello\n", 0600);
    expect_refused(pki, peer(head + cert + "key = \"notakey.key\"\n" + ca), 7, "holds no PEM private key");
    // The key must be root's alone (like psk_file), and the certificate's.
    pki.write("open.key", std::string(), 0600);
    fs::copy_file(pki.path("gw-c.key"), pki.path("open.key"), fs::copy_options::overwrite_existing);
    ASSERT_EQ(::chmod(pki.path("open.key").c_str(), 0640), 0);
    expect_refused(pki, peer(head + cert + "key = \"open.key\"\n" + ca), 7,
                   "readable by others (chmod 600 it)");
    expect_refused(pki, peer(head + cert + "key = \"other.key\"\n" + ca), 7,
                   "is not the private key of cert");
    // Our certificate must be valid now.
    pki.issue("old", {"gw-c.example.org"}, {}, Pki::now() - std::chrono::hours(48),
              Pki::now() - std::chrono::hours(24));
    expect_refused(pki, peer(head + "cert = \"old.pem\"\nkey = \"old.key\"\n" + ca), 6, "not now");
    pki.issue("future", {"gw-c.example.org"}, {}, Pki::now() + std::chrono::hours(24),
              Pki::now() + std::chrono::hours(48));
    expect_refused(pki, peer(head + "cert = \"future.pem\"\nkey = \"future.key\"\n" + ca), 6, "not now");
}

TEST(GatewayConfigPubkey, MixedOrUnsupportedSettingsAreRefused) {
    Pki pki("mixed");
    pki.issue("gw-c", {"gw-c.example.org"}, {"198.51.100.1"});
    // A psk belongs to auth = "psk" and the reverse.
    expect_refused(pki, peer(kPubkey + "psk = \"0123456789\"\n"), 9, "'psk' belongs to auth = \"psk\"");
    expect_refused(pki, peer("psk = \"0123456789\"\ncacert = \"ca.pem\"\n"), 6,
                   "belongs to auth = \"pubkey\"");
    // IKEv1 signs too (RFC 2409 §5.1; RFC 4754 for this P-256 key): version = 1 loads.
    auto v1 = parse(pki, peer("version = 1\n" + kPubkey));
    ASSERT_TRUE(v1.ok()) << v1.error().message;
    EXPECT_EQ(v1->peers.front().version, 1);
    EXPECT_EQ(v1->peers.front().auth.method, AuthMethod::PubKey);
    // local_id must be certified by our certificate; identities must parse.
    expect_refused(pki, peer(kPubkey + "local_id = \"gw-x.example.org\"\n"), 9, "is not certified by cert");
    expect_refused(pki, peer(kPubkey + "local_id = \"198.51.100.9\"\n"), 9, "is not certified by cert");
    expect_refused(pki, peer(kPubkey + "local_id = \"root@gw-c.example.org\"\n"), 9,
                   "is not certified by cert");
    expect_refused(pki, peer(kPubkey + "local_id = \"dn:CN=gw-x.example.org\"\n"), 9,
                   "is not certified by cert");
    expect_refused(pki, peer(kPubkey + "remote_id = \"dn:CN\"\n"), 9, "is not an identity");
    expect_refused(pki, peer("psk = \"0123456789\"\nlocal_id = \"\"\n"), 6, "is not an identity");
    // The old name of cacert is not taken silently.
    expect_refused(pki, peer("auth = \"pubkey\"\ncert = \"gw-c.pem\"\nkey = \"gw-c.key\"\nca = \"ca.pem\"\n"),
                   8, "unknown key 'ca'");
}

TEST(GatewayConfigPubkey, ShippedExampleRunsWithFilesBesideIt) {
    Pki pki("example");
    pki.issue("gw-c", {"gw-c.example.org"}, {"198.51.100.1"});
    std::ifstream f(std::string(STRATA_SOURCE_DIR) + "/examples/gateway/cert-peer-ikev2.toml");
    std::stringstream ss;
    ss << f.rdbuf();
    // The example's relative paths resolve against the directory it is read from.
    auto c = parse_gateway_config(ss.str(), "cert-peer-ikev2.toml", pki.dir());
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(check_runnable(*c).ok());
    const PeerConfig& p = c->peers.at(0);
    EXPECT_EQ(p.auth.method, AuthMethod::PubKey);
    EXPECT_EQ(p.local_id, "gw-c.example.org");
    EXPECT_EQ(p.remote_id, "gw-d.example.org");
    auto plans = plan_peers(*c);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    EXPECT_EQ(ike::to_string(plans->front().v2.connections.at(0).remote_id), "gw-d.example.org");
}

TEST(GatewayConfigPubkey, FingerprintChangesWithTheCertificatesNotWithTheirPaths) {
    Pki pki("fp");
    pki.issue("gw-c", {"gw-c.example.org"}, {});
    auto a = parse(pki, peer(kPubkey));
    ASSERT_TRUE(a.ok()) << a.error().message;
    auto same = parse(pki, peer(kPubkey));
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(a->peers[0].auth.fingerprint, same->peers[0].auth.fingerprint);
    pki.issue("gw-c", {"gw-c.example.org"}, {});  // a new certificate under the same name
    auto renewed = parse(pki, peer(kPubkey));
    ASSERT_TRUE(renewed.ok()) << renewed.error().message;
    EXPECT_NE(a->peers[0].auth.fingerprint, renewed->peers[0].auth.fingerprint);
}

}  // namespace
}  // namespace strata::gateway
