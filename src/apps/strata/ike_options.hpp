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
    double dpd = 0;         // IKEv1: R-U-THERE after this many idle seconds (0: never)
};

// load_ike_toml fills every key the file sets into opts (flags given on the
// command line are applied afterwards by the caller). Returns an error text.
std::optional<std::string> load_ike_toml(const std::string& path, IkeOptions& opts);

// to_connection checks opts and builds the connection; an error text on failure.
std::optional<std::string> to_connection(const IkeOptions& opts, ike::ConnectionConfig& out);

}  // namespace strata::apps
