// tls_client_fuzz.cpp: arbitrary records fed to a TLS 1.3 client
// Connection at every handshake stage.
//
// Input: byte 0 picks the stage (how many of a real server's records the
// client has processed first: 0 = just sent its ClientHello ... all = the
// connection is established); the rest is fed to the client in pieces.
#include <cstddef>
#include <cstdint>

#include "tls_connection_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace strata;
    if (size < 1) return 0;
    fuzz::Stage st;
    // A real exchange: ClientHello -> server flight -> client Finished -> tickets.
    auto ch = st.client->take_output();
    (void)st.server->receive(ch);
    const auto server_records = fuzz::split_records(st.server->take_output());
    const std::size_t stage = data[0] % (server_records.size() + 1);
    for (std::size_t i = 0; i < stage; ++i) {
        if (!st.client->receive(server_records[i])) return 0;
    }
    (void)st.client->take_output();
    fuzz::feed_in_pieces(*st.client, data + 1, size - 1);
    (void)st.client->read();
    return 0;
}
