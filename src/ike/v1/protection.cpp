#include "ike/v1/protection.hpp"

namespace strata::ike::v1 {

using core::fail;

core::Result<Protection, Error> Protection::create(crypto::CipherAlg alg, core::ByteView key) {
    auto c = crypto::BlockCipher::create(alg, key);
    if (!c) return fail(Error::Internal);
    return Protection(std::move(c).value());
}

core::Result<core::Bytes, Error> Protection::seal(Header h, core::ByteView chain, core::ByteView iv,
                                                  core::Bytes& next_iv) {
    const std::size_t bs = block_size();
    // RFC 2409 Appendix B / RFC 2408 §3.1: the body is padded to the block
    // size (with zeros) and the header's length counts the padding.
    const std::size_t padded = (chain.size() + bs - 1) / bs * bs;
    if (padded == 0 || padded + kHeaderLength > kMaxMessageLength) return fail(Error::BadLength);
    h.flags = static_cast<std::uint8_t>(h.flags | kFlagEncryption);
    h.length = static_cast<std::uint32_t>(kHeaderLength + padded);
    core::Bytes out;
    core::Writer w(out);
    write_header(w, h);
    w.bytes(chain);
    w.zeros(padded - chain.size());
    if (!w.ok()) return fail(Error::Internal);
    core::MutableByteView body(out.data() + kHeaderLength, padded);
    if (!cipher_->encrypt(iv, body)) return fail(Error::Internal);
    next_iv.assign(out.end() - static_cast<std::ptrdiff_t>(bs), out.end());
    return out;
}

core::Result<core::Bytes, Error> Protection::open(core::ByteView datagram, core::ByteView iv,
                                                  core::Bytes& next_iv) {
    const std::size_t bs = block_size();
    if (datagram.size() <= kHeaderLength) return fail(Error::DecryptionFailed);
    const core::ByteView body = datagram.subspan(kHeaderLength);
    if (body.size() % bs != 0) return fail(Error::DecryptionFailed);
    core::Bytes plain(body.begin(), body.end());
    if (!cipher_->decrypt(iv, plain)) return fail(Error::DecryptionFailed);
    next_iv.assign(body.end() - static_cast<std::ptrdiff_t>(bs), body.end());
    return plain;
}

}  // namespace strata::ike::v1
