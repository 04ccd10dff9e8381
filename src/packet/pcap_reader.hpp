// pcap_reader.hpp: reading classic pcap files into IP packets.
//
// Accepts both byte orders, microsecond and nanosecond timestamps, and the
// link types a capture of IP traffic usually has: raw IP (101, 228, 229),
// Ethernet (1, IPv4/IPv6 frames only, one optional 802.1Q tag) and Linux
// cooked capture (113). Each record comes back as a view of its IP packet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace strata::packet {

// PcapRecord is one captured packet.
struct PcapRecord {
    std::uint32_t seconds = 0;
    std::uint32_t microseconds = 0;
    core::ByteView ip;   // the IP packet (link header removed); views the file bytes
    bool is_ip = false;  // false: a non-IP frame (e.g. ARP), ip is empty
};

// PcapCapture is a parsed file; records view the bytes it was parsed from.
struct PcapCapture {
    std::uint32_t linktype = 0;
    std::vector<PcapRecord> records;
};

// parse_pcap parses a whole pcap file held in memory. Errors: Truncated (a
// header or record cut short), BadMagic, UnsupportedLinktype.
core::Result<PcapCapture> parse_pcap(core::ByteView file);

// read_file returns the bytes of a file (IoError if it cannot be read).
core::Result<core::Bytes> read_file(const std::string& path);

}  // namespace strata::packet
