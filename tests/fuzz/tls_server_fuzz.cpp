// tls_server_fuzz.cpp: arbitrary records fed to a TLS 1.3 server
// Connection at every handshake stage.
//
// Input: byte 0 picks the stage (how many of a real client's records the
// server has processed first: 0 = nothing yet, so the input is the
// ClientHello ... all = established); the rest is fed to the server in pieces.
#include <cstddef>
#include <cstdint>

#include "tls_connection_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace strata;
    if (size < 1) return 0;
    // A real exchange first, to learn the client's records.
    fuzz::Stage real;
    std::vector<strata::core::Bytes> client_records = fuzz::split_records(real.client->take_output());
    (void)real.server->receive(client_records.front());
    (void)real.client->receive(real.server->take_output());
    for (auto& r : fuzz::split_records(real.client->take_output())) client_records.push_back(std::move(r));

    // The same exchange replayed into a fresh server (same seeds, same bytes)
    // up to the chosen stage, then the input.
    fuzz::Stage st;
    const std::size_t stage = data[0] % (client_records.size() + 1);
    for (std::size_t i = 0; i < stage; ++i) {
        if (!st.server->receive(client_records[i])) return 0;
        (void)st.server->take_output();
    }
    fuzz::feed_in_pieces(*st.server, data + 1, size - 1);
    (void)st.server->read();
    return 0;
}
