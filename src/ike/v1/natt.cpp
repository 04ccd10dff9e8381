#include "ike/v1/natt.hpp"

#include "crypto/hash.hpp"

namespace strata::ike::v1 {

core::Result<core::Bytes, Error> natd_hash(crypto::HashAlg hash, const Cookie& cky_i, const Cookie& cky_r,
                                           const Endpoint& ep) {
    // RFC 3947 §3.2: HASH = HASH(CKY-I | CKY-R | IP | Port), the negotiated
    // hash (not its HMAC), the address in network order (4 or 16 bytes).
    core::Bytes in(cky_i.begin(), cky_i.end());
    in.insert(in.end(), cky_r.begin(), cky_r.end());
    const core::ByteView addr = ep.address.bytes();
    in.insert(in.end(), addr.begin(), addr.end());
    in.push_back(static_cast<std::uint8_t>(ep.port >> 8));
    in.push_back(static_cast<std::uint8_t>(ep.port));
    auto d = crypto::digest(hash, in);
    if (!d) return core::fail(Error::Internal);
    return std::move(d).value();
}

core::Result<NatResult, Error> check_natd(crypto::HashAlg hash, const Cookie& cky_i, const Cookie& cky_r,
                                          const std::vector<core::ByteView>& natd, const Endpoint& local,
                                          const Endpoint& remote) {
    if (natd.size() < 2) return core::fail(Error::PayloadMalformed);
    auto mine = natd_hash(hash, cky_i, cky_r, local);
    auto theirs = natd_hash(hash, cky_i, cky_r, remote);
    if (!mine || !theirs) return core::fail(Error::Internal);
    NatResult r;
    // RFC 3947 §3.2: the first NAT-D is the hash of the destination (us).
    r.local = !core::equal_public(natd.front(), *mine);
    bool seen = false;
    for (std::size_t i = 1; i < natd.size(); ++i) seen = seen || core::equal_public(natd[i], *theirs);
    r.remote = !seen;
    return r;
}

}  // namespace strata::ike::v1
