// demo_ikev1.hpp: `strata demo --ike 1` reads back the ISAKMP messages it
// sent (RFC 2408 header and payloads, RFC 2409 main and quick mode).
#pragma once

#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace strata::apps::demo {

// explain_ikev1 describes an IKEv1 message from its bytes: the header with
// both cookies, the exchange and the E flag; in the clear messages every
// payload (SA transforms with their attributes, KE, nonce, vendor IDs,
// NAT-D); in encrypted ones the size of the ciphertext.
std::vector<std::string> explain_ikev1(core::ByteView message);

}  // namespace strata::apps::demo
