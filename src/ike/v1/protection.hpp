// protection.hpp: encryption of the ISAKMP body after the key exchange
// (RFC 2408 §3.1 E flag, RFC 2409 Appendix B: CBC with the IV chain).
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/cipher.hpp"
#include "ike/v1/error.hpp"
#include "ike/v1/message.hpp"

namespace strata::ike::v1 {

// Protection is the ISAKMP SA's keyed CBC cipher. The caller keeps the IVs:
// each exchange (message ID) has its own chain, and a received message's
// last block becomes the next IV only once the message has been verified.
class Protection {
public:
    // create keys alg with key (SKEYID_e extended, Appendix B).
    static core::Result<Protection, Error> create(crypto::CipherAlg alg, core::ByteView key);

    // block_size returns the cipher's block (and IV) length.
    [[nodiscard]] std::size_t block_size() const noexcept { return cipher_->block_size(); }

    // seal returns the datagram header || E(chain || zero padding) under iv,
    // with the E flag and the length set; next_iv receives the last
    // ciphertext block (the IV of the exchange's next message).
    core::Result<core::Bytes, Error> seal(Header h, core::ByteView chain, core::ByteView iv,
                                          core::Bytes& next_iv);

    // open decrypts the body after the header of datagram under iv and
    // returns the plaintext (padding included); next_iv receives the last
    // ciphertext block. DecryptionFailed if the body is empty or not a
    // multiple of the block size.
    core::Result<core::Bytes, Error> open(core::ByteView datagram, core::ByteView iv, core::Bytes& next_iv);

private:
    explicit Protection(crypto::BlockCipher c) : cipher_(std::move(c)) {}
    std::optional<crypto::BlockCipher> cipher_;
};

}  // namespace strata::ike::v1
