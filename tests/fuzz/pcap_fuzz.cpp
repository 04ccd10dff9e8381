// pcap_fuzz.cpp: arbitrary bytes as a pcap file, then every IP record
// through selector extraction (what `strata pcap` does with a file).
#include <cstddef>
#include <cstdint>

#include "ipsec/selector.hpp"
#include "packet/pcap_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto cap = strata::packet::parse_pcap({data, size});
    if (!cap) return 0;
    for (const auto& rec : cap->records) {
        if (rec.ip.data() != nullptr &&
            (rec.ip.data() < data || rec.ip.data() + rec.ip.size() > data + size)) {
            __builtin_trap();  // a record must view the input
        }
        if (rec.is_ip) (void)strata::ipsec::extract_fields(rec.ip);
    }
    return 0;
}
