// ike_loop.hpp: the I/O loop `strata ike` runs either IKE engine in.
//
// Both engines (ike::v2::Engine, ike::v1::Engine) are sans-IO: datagrams
// and the time go in, datagrams and events come out. IkeDriver puts one of
// them behind a common face; run_ike_loop owns what is not protocol: the
// UDP sockets (ike_udp), the real clock, the signals (SIGTERM/SIGINT stop,
// SIGUSR1 lists the SAs), --events, --timeout and the event printing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/strata/ike_options.hpp"
#include "apps/strata/ike_udp.hpp"
#include "core/clock.hpp"
#include "ike/events.hpp"
#include "ike/v2/engine.hpp"

namespace strata::apps {

// IkeStep is what one engine call produced, datagrams in the wire form
// ike_udp sends (IKEv1 datagrams converted).
struct IkeStep {
    std::vector<ike::v2::Datagram> datagrams;
    std::vector<ike::Event> events;
};

// IkeDriver adapts one engine to run_ike_loop.
class IkeDriver {
public:
    IkeDriver() = default;
    virtual ~IkeDriver() = default;
    IkeDriver(const IkeDriver&) = delete;
    IkeDriver& operator=(const IkeDriver&) = delete;
    IkeDriver(IkeDriver&&) = delete;
    IkeDriver& operator=(IkeDriver&&) = delete;

    virtual IkeStep initiate(core::Instant now) = 0;
    virtual IkeStep receive(ike::v2::Datagram&& d, core::Instant now) = 0;
    virtual IkeStep on_timer(core::Instant now) = 0;
    // shutdown deletes every SA (RFC 7296 §1.4.1, RFC 2408 §3.15).
    virtual IkeStep shutdown(core::Instant now) = 0;
    [[nodiscard]] virtual std::optional<core::Instant> next_timer() const = 0;
    // write_keylog writes the Wireshark decryption table; false on error.
    [[nodiscard]] virtual bool write_keylog(const std::string& path) const = 0;
    // stats is the "stats" event printed at the end.
    [[nodiscard]] virtual nlohmann::json stats() const = 0;
    // sas is the "sas" listing printed on SIGUSR1 (nullopt: not supported).
    [[nodiscard]] virtual std::optional<nlohmann::json> sas() const = 0;
};

// Exit statuses of `strata ike` besides 0 (done), 2 (bad options).
inline constexpr int kExitTimeout = 1;   // --timeout passed
inline constexpr int kExitPeerDead = 3;  // the peer stopped answering (DPD or retransmits)

// peer_dead says whether an IKE SA went down because the peer stopped
// answering: DPD (RFC 7296 §1.4, RFC 3706) or retransmissions (§2.4).
bool peer_dead(const ike::Event& e);

// run_ike_loop runs the driver until --events events (0), --timeout (1), a
// dead peer (3) or SIGTERM/SIGINT (after shutdown: 0); returns that status.
int run_ike_loop(const IkeOptions& opts, IkeDriver& driver, IkeUdpSockets& sockets);

}  // namespace strata::apps
