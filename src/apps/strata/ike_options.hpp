// ike_options.hpp: `strata ike` settings (flags or a small TOML file) and
// their translation into an ike::ConnectionConfig.
#pragma once

#include <optional>
#include <string>

#include "ike/config.hpp"

namespace strata::apps {

// IkeOptions are the settings of one `strata ike` run; every field has a
// flag (--local-id ...) and a TOML key (local_id = "...") of the same name.
struct IkeOptions {
    std::string config_file;
    std::string local;               // local address
    std::string remote;              // peer address
    std::string role = "initiator";  // initiator | responder
    std::string psk;
    std::string cert;       // PEM: own certificate, then intermediates (certificate auth instead of --psk)
    std::string key;        // PEM private key of cert
    std::string ca;         // PEM trust anchors for the peer's certificate
    std::string local_id;   // default: the local address
    std::string remote_id;  // default: the peer address
    std::string ike_proposals = "aes256-sha256-ecp256";
    std::string esp_proposals = "aes128gcm16";
    std::string local_ts;         // default: the local address
    std::string remote_ts;        // default: the peer address
    std::string mode = "tunnel";  // tunnel | transport
    bool encap = false;
    std::uint16_t ike_port = 500;
    std::uint16_t natt_port = 4500;
    bool json = false;
    std::string keylog;
    unsigned events = 0;    // exit after this many events (0: run until timeout/SIGTERM)
    double timeout = 30.0;  // seconds; 0: none
    int ike_version = 2;    // 1: the IKEv1 engine (ike_v1_run.cpp)
    // dpd: liveness check after this many idle seconds (0: never): IKEv2 an
    // empty INFORMATIONAL (RFC 7296 §1.4), IKEv1 R-U-THERE (RFC 3706).
    double dpd = 0;
    // rekey_after: every CHILD SA is rekeyed (CREATE_CHILD_SA with REKEY_SA,
    // a new KE when the ESP proposal has a group: PFS) this many seconds
    // after it came up; rekey_ike_after: the same for the IKE SA (RFC 7296
    // §1.3.2, §2.18). IKEv2 only; 0: never (the peer may still rekey).
    double rekey_after = 0;
    double rekey_ike_after = 0;
    // retransmit_timeout / retransmit_tries: a request is sent again after
    // retransmit_timeout seconds, each wait 1.8 times longer, retransmit_tries
    // sends in all; then the peer is dead (RFC 7296 §2.4). 0: the engine's
    // defaults (ike::RetransmitConfig: 2 s, 5 sends).
    double retransmit_timeout = 0;
    unsigned retransmit_tries = 0;
};

// load_ike_toml fills every key the file sets into opts (flags given on the
// command line are applied afterwards by the caller). Returns an error text.
std::optional<std::string> load_ike_toml(const std::string& path, IkeOptions& opts);

// to_connection checks opts and builds the connection; an error text on failure.
std::optional<std::string> to_connection(const IkeOptions& opts, ike::ConnectionConfig& out);

}  // namespace strata::apps
