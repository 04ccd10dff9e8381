// natt.hpp: NAT traversal for IKEv1 (RFC 3947, RFC 3948).
//
// Both sides announce support with the RFC 3947 vendor ID in MM1/MM2. MM3
// and MM4 then carry NAT-D payloads: first the hash of the address and port
// the message is sent to, then the hash of the sender's own. A hash that
// does not match what the receiver sees means a NAT rewrote that address;
// from MM5 on both sides talk on UDP 4500 (with the non-ESP marker the I/O
// layer adds), and quick mode negotiates the UDP-encapsulated modes so ESP
// goes in UDP too (RFC 3948).
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"
#include "ike/child_sa.hpp"
#include "ike/v1/error.hpp"
#include "ike/v1/message.hpp"

namespace strata::ike::v1 {

// kNattVendorId is MD5("RFC 3947"), the vendor ID of RFC 3947 §3.1.
inline constexpr std::uint8_t kNattVendorId[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                                   0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};

// Encapsulation modes of RFC 3947 §5.1 and the values draft-ietf-ipsec-nat-t-ike-02/03
// used before it (still sent by older peers; accepted, never sent).
inline constexpr std::uint16_t kEncapUdpTunnel = 3;
inline constexpr std::uint16_t kEncapUdpTransport = 4;
inline constexpr std::uint16_t kEncapUdpTunnelDraft = 61443;
inline constexpr std::uint16_t kEncapUdpTransportDraft = 61444;

// kNattPort is the port IKE moves to once a NAT is detected (RFC 3947 §4).
inline constexpr std::uint16_t kNattPort = 4500;

// natd_hash returns HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash
// (RFC 3947 §3.2): the body of one NAT-D payload. Port is big-endian.
core::Result<core::Bytes, Error> natd_hash(crypto::HashAlg hash, const Cookie& cky_i, const Cookie& cky_r,
                                           const Endpoint& ep);

// NatResult is what the NAT-D payloads of a received MM3/MM4 say.
struct NatResult {
    bool local = false;   // this host's address was rewritten: it is behind a NAT
    bool remote = false;  // the peer's address was rewritten (or it claims so)
};

// check_natd compares received NAT-D bodies (in order: the hash of the
// receiver's address as the sender saw it, then the sender's own addresses)
// with the endpoints this host sees. PayloadMalformed with fewer than two.
core::Result<NatResult, Error> check_natd(crypto::HashAlg hash, const Cookie& cky_i, const Cookie& cky_r,
                                          const std::vector<core::ByteView>& natd, const Endpoint& local,
                                          const Endpoint& remote);

}  // namespace strata::ike::v1
