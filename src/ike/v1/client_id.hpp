// client_id.hpp: quick mode client IDs (RFC 2409 §5.5, RFC 2407 §4.6.2) as
// traffic selectors, and phase 1 identities as ID payloads.
#pragma once

#include "core/result.hpp"
#include "ike/identity.hpp"
#include "ike/traffic_selector.hpp"
#include "ike/v1/error.hpp"
#include "ike/v1/payload.hpp"

namespace strata::ike::v1 {

// client_id returns the ID payload for a selector: ID_IPV4_ADDR /
// ID_IPV6_ADDR for a single address, *_ADDR_SUBNET for a prefix,
// *_ADDR_RANGE otherwise; protocol and port (0 = any, RFC 2407 §4.6.2).
IdPayload client_id(const TrafficSelector& ts);

// selector_of reads a client ID back. InvalidIdInformation for another type,
// a wrong length, a non-contiguous mask or a reversed range.
core::Result<TrafficSelector, Error> selector_of(const IdPayload& id);

// identity_payload returns the phase 1 ID payload of an identity (protocol
// and port zero, or UDP/500 as many peers send; both are accepted).
IdPayload identity_payload(const Identity& id);

// identity_of reads a phase 1 ID payload as an Identity.
core::Result<Identity, Error> identity_of(const IdPayload& id);

}  // namespace strata::ike::v1
