// config.hpp: how an IKE engine is configured (both versions).
//
// A ConnectionConfig describes one peer: addresses, identities, the PSK,
// proposals, traffic selectors and timers. EngineConfig holds the
// connections and the engine-wide DoS settings. The gateway builds these from
// its configuration file; `strata ike` builds one from flags or TOML.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_table.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/identity.hpp"
#include "ike/traffic_selector.hpp"
#include "ipsec/sa.hpp"
#include "packet/address.hpp"

namespace strata::ike {

// RetransmitConfig: a request is sent again after initial, then each wait is
// multiplied by backoff, up to `tries` sends in all; then the IKE SA is
// given up (RFC 7296 §2.1, §2.4).
struct RetransmitConfig {
    core::Duration initial = std::chrono::seconds(2);
    double backoff = 1.8;
    unsigned tries = 5;
};

// kIkePort and kNattPort are IKE's well-known ports (RFC 7296 §2, §2.23).
inline constexpr std::uint16_t kIkePort = 500;
inline constexpr std::uint16_t kNattPort = 4500;

// float_remote_port is the peer's port after NAT-T floating: 500 becomes
// 4500 (RFC 7296 §2.23, RFC 3947 §4); a port configured otherwise is kept.
constexpr std::uint16_t float_remote_port(std::uint16_t port) noexcept {
    return port == kIkePort ? kNattPort : port;
}

// AuthKind is how both sides of a connection authenticate (RFC 7296 §2.15):
// a pre-shared key, or signatures with X.509 certificates (RFC 7427).
enum class AuthKind : std::uint8_t { Psk, PublicKey };

// ChildSpec is one further CHILD SA of a connection (swanctl's
// children.<name> after the first): its own proposals, selectors, mode and
// lifetimes (0: none). reqid, if not 0, goes into the ChildSaKeys of its SAs
// so that the gateway can tell the children apart.
struct ChildSpec {
    std::string name;
    std::uint32_t reqid = 0;
    std::vector<crypto::Proposal> esp_proposals;  // ike::parse_proposals(..., Esp)
    std::vector<TrafficSelector> local_ts;
    std::vector<TrafficSelector> remote_ts;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    core::Duration rekey_time{0};  // rekeyed at rekey_time less a random share of rand_time
    core::Duration rand_time{0};
    core::Duration life_time{0};
    // start: the side that set up the IKE SA asks for this CHILD SA with
    // CREATE_CHILD_SA right after IKE_AUTH (RFC 7296 §1.3.1); false: only
    // on request (Engine::create_child) or when the peer asks for it.
    bool start = true;
};

// ConnectionConfig describes one peer. Move-only (it holds the PSK).
//
// Its first CHILD SA (negotiated in IKE_AUTH) is described by esp_proposals,
// local_ts, remote_ts, mode and the child_* lifetimes, and named by
// child_name / child_reqid; more_children lists any further ones. A
// responder serves a peer's CHILD SA request with the first of these whose
// selectors hold what the peer proposes (or, failing that, overlap it:
// narrowing, RFC 7296 §2.9) and whose proposals match.
struct ConnectionConfig {
    std::string name = "conn";
    packet::IpAddress local_address;
    packet::IpAddress remote_address;
    std::uint16_t local_port = 500;   // IKE source port before NAT-T (strongSwan's charon.port)
    std::uint16_t remote_port = 500;  // IKE destination port before NAT-T (swanctl's remote_port)
    // natt_port: once a NAT is detected (or force_encap claims one), an IKE
    // SA that runs on local_port moves to this local port (RFC 7296 §2.23,
    // RFC 3947 §4; strongSwan's charon.port_nat_t), and the peer's port
    // moves from kIkePort to kNattPort; a remote_port other than kIkePort
    // stays as configured (as strongSwan floats). UDP-encapsulated ESP then
    // runs between these two ports (RFC 3948). IKEv1 floats to its
    // v1::Connection::natt_port instead.
    std::uint16_t natt_port = 4500;
    Identity local_id;
    Identity remote_id;  // the identity the peer must prove
    core::SecretBytes psk;
    std::vector<crypto::Proposal> ike_proposals;  // ike::parse_proposals(..., Ike)
    std::vector<crypto::Proposal> esp_proposals;  // ike::parse_proposals(..., Esp)
    std::vector<TrafficSelector> local_ts;
    std::vector<TrafficSelector> remote_ts;
    ipsec::Mode mode = ipsec::Mode::Tunnel;  // Transport: USE_TRANSPORT_MODE is requested
    // force_encap makes this host claim to be behind a NAT (a fake
    // NAT_DETECTION_SOURCE_IP, as strongSwan's encap=yes) so that ESP is
    // UDP-encapsulated in any case.
    bool force_encap = false;
    RetransmitConfig retransmit;
    // dpd_interval (strongSwan's dpd_delay): an IKE SA that received nothing
    // for this long sends an empty INFORMATIONAL (RFC 7296 §1.4); if that is
    // never answered the IKE SA goes down with reason "dpd" (0: never).
    core::Duration dpd_interval{0};
    // keepalive_interval: behind a NAT, a 0xFF NAT keepalive goes out after
    // this long without sending anything (RFC 3948 §2.3; 0: never).
    core::Duration keepalive_interval = std::chrono::seconds(20);

    // ---- lifetimes (strongSwan's names; 0: none) ----
    // The IKE SA is rekeyed at ike_rekey_time minus a random share of
    // ike_rand_time, and deleted at ike_rekey_time + ike_over_time if that
    // has not happened. A CHILD SA is rekeyed at child_rekey_time minus a
    // random share of child_rand_time and deleted at child_life_time.
    core::Duration ike_rekey_time{0};
    core::Duration ike_rand_time{0};
    core::Duration ike_over_time{0};
    core::Duration child_rekey_time{0};
    core::Duration child_rand_time{0};
    core::Duration child_life_time{0};
    std::string child_name;         // the first CHILD SA's name (ChildInfo)
    std::uint32_t child_reqid = 0;  // ... and its reqid (ChildSaKeys::reqid; 0: none)
    std::vector<ChildSpec> more_children;

    // ---- certificate authentication (auth = PublicKey) ----
    AuthKind auth = AuthKind::Psk;
    // local_certs: this host's certificate first, then intermediates; each
    // goes out in a CERT payload (RFC 7296 §3.6). local_id, if empty, becomes
    // the certificate's subject DN (ID_DER_ASN1_DN).
    std::vector<crypto::Certificate> local_certs;
    // private_key signs this host's AUTH payload (shared: engines may copy configs).
    std::shared_ptr<const crypto::PrivateKey> private_key;
    // ca_certs are the trust anchors the peer's chain must lead to; their
    // key hashes go out in CERTREQ (RFC 7296 §3.7).
    std::vector<crypto::Certificate> ca_certs;
    // rsa_pss: RSA keys sign with RSASSA-PSS, else PKCS#1 v1.5 (RFC 7427 §3).
    bool rsa_pss = true;

    // ---- IKE fragmentation (RFC 7383) ----
    // fragmentation: announce IKEV2_FRAGMENTATION_SUPPORTED and, if the peer
    // does too, send IKE_AUTH messages above fragment_size as SKF fragments.
    bool fragmentation = true;
    // fragment_size: the largest IKE datagram sent unfragmented (0: 1280
    // for IPv6, 576 for IPv4, RFC 7383 §2.5.1).
    std::size_t fragment_size = 0;
};

// EngineConfig is everything an engine runs with.
struct EngineConfig {
    std::vector<ConnectionConfig> connections;
    // cookie_threshold: once this many responder IKE SAs are half-open, new
    // IKE_SA_INIT requests must carry a COOKIE (RFC 7296 §2.6).
    std::size_t cookie_threshold = 64;
    // max_half_open: beyond this, IKE_SA_INIT requests are dropped outright.
    std::size_t max_half_open = 4096;
    // half_open_timeout: a responder SA without IKE_AUTH is dropped after this.
    core::Duration half_open_timeout = std::chrono::seconds(30);
    // cookie_secret_lifetime: the COOKIE secret is replaced this often; the
    // previous one is still accepted for one more lifetime (RFC 7296 §2.6).
    core::Duration cookie_secret_lifetime = std::chrono::minutes(5);
    // wall_clock gives calendar time for certificate validity (RFC 5280
    // §6.1.3); null: certificate authentication fails ("no wall clock").
    const core::Clock* wall_clock = nullptr;
    // certificate_cache keeps the peer certificates the IKEv2 engine parsed
    // (by their DER bytes); engines may share one. Null: the engine makes its own
    // of kEngineCertificateCacheCapacity entries.
    std::shared_ptr<crypto::CertificateCache> certificate_cache;
};

inline constexpr std::size_t kEngineCertificateCacheCapacity = 32;

}  // namespace strata::ike
