// events.hpp: what an IKE engine tells the gateway.
//
// An engine returns events beside its datagrams. The gateway installs SAs on
// ChildSaUp, swaps them on ChildSaRekeyed, removes them on ChildSaDown, and
// logs the rest. Every event names the IKE SA by its two SPIs (IKEv1: the
// two cookies) and the connection it belongs to.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "ike/child_sa.hpp"
#include "ike/identity.hpp"
#include "ike/proposal.hpp"

namespace strata::ike {

// IkeSaId names an IKE SA: initiator and responder SPIs (or cookies).
struct IkeSaId {
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    friend bool operator==(const IkeSaId&, const IkeSaId&) = default;
};

// IkeSaUp: an IKE SA is established (authenticated both ways).
struct IkeSaUp {
    std::string connection;
    IkeSaId id;
    bool initiator = false;  // this host started it
    NegotiatedIke algorithms;
    Endpoint local;  // where IKE now runs (port 4500 after NAT-T)
    Endpoint remote;
    bool nat_local = false;   // this host is behind a NAT (its NAT_DETECTION_SOURCE_IP mismatched)
    bool nat_remote = false;  // the peer is (or claims to be) behind a NAT
    Identity local_id;
    Identity remote_id;
};

// IkeSaDown: an IKE SA (and with it all its CHILD SAs) is gone.
struct IkeSaDown {
    std::string connection;
    IkeSaId id;
    std::string reason;  // "deleted by peer", "deleted locally", "retransmits exhausted", ...
};

// IkeSaRekeyed: old_id was replaced by new_id (CHILD SAs move over).
struct IkeSaRekeyed {
    std::string connection;
    IkeSaId old_id;
    IkeSaId new_id;
    NegotiatedIke algorithms;
};

// ChildSaUp: a CHILD SA is negotiated; install child.to_sa_configs().
struct ChildSaUp {
    std::string connection;
    IkeSaId ike;
    ChildSaKeys child;
};

// ChildSaRekeyed: the SA with old_spi_in was replaced by child.
struct ChildSaRekeyed {
    std::string connection;
    IkeSaId ike;
    std::uint32_t old_spi_in = 0;
    std::uint32_t old_spi_out = 0;
    ChildSaKeys child;
};

// ChildSaDown: remove the SA pair with these SPIs.
struct ChildSaDown {
    std::string connection;
    IkeSaId ike;
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
    std::string reason;
};

// ChildSaFailed: the IKE SA is up but the CHILD SA was refused (the notify
// the peer sent, e.g. "NO_PROPOSAL_CHOSEN", "TS_UNACCEPTABLE").
struct ChildSaFailed {
    std::string connection;
    IkeSaId ike;
    std::string reason;
};

// AuthFailed: authentication failed (either side); the IKE SA is gone.
struct AuthFailed {
    std::string connection;
    IkeSaId id;
    std::string reason;  // e.g. "AUTHENTICATION_FAILED from peer", "peer AUTH mismatch"
};

// Event is one of the above.
using Event = std::variant<IkeSaUp, IkeSaDown, IkeSaRekeyed, ChildSaUp, ChildSaRekeyed, ChildSaDown,
                           ChildSaFailed, AuthFailed>;

// event_name returns "ike-sa-up", "child-sa-up", ... for logs and JSON.
std::string_view event_name(const Event& e) noexcept;

}  // namespace strata::ike
