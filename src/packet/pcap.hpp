// pcap.hpp: a classic pcap file writer (the libpcap format, microsecond timestamps).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>

#include "core/bytes.hpp"
#include "core/clock.hpp"

namespace strata::packet {

// kPcapMagic is the classic pcap magic number (microsecond timestamps).
inline constexpr std::uint32_t kPcapMagic = 0xa1b2c3d4;
// kPcapLinktypeRaw is LINKTYPE_RAW: each record is an IPv4 or IPv6 packet.
inline constexpr std::uint32_t kPcapLinktypeRaw = 101;
// kPcapDefaultSnaplen is the largest packet length recorded whole by default.
inline constexpr std::uint32_t kPcapDefaultSnaplen = 65535;
// kPcapFileHeaderLength is the size of the pcap global header.
inline constexpr std::size_t kPcapFileHeaderLength = 24;
// kPcapRecordHeaderLength is the size of each record's header.
inline constexpr std::size_t kPcapRecordHeaderLength = 16;

// PcapWriter writes a pcap file to a stream it does not own (which must
// outlive it). Every field is written little-endian, as libpcap does on x86;
// readers detect the byte order from the magic. Not thread-safe.
class PcapWriter {
public:
    // PcapWriter writes the global header (version 2.4, the given link type
    // and snapshot length) to out at once.
    explicit PcapWriter(std::ostream& out, std::uint32_t linktype = kPcapLinktypeRaw,
                        std::uint32_t snaplen = kPcapDefaultSnaplen);

    // write appends one record stamped ts (before 1970 counts as 0) holding
    // packet, cut to the snapshot length (the original length is recorded).
    // Returns false if the stream has failed.
    bool write(core::WallTime ts, core::ByteView packet);
    // write appends one record stamped seconds + microseconds (< 1000000) since 1970.
    bool write(std::uint32_t seconds, std::uint32_t microseconds, core::ByteView packet);
    // flush pushes buffered bytes to the stream's sink; false if it failed.
    bool flush();
    // ok is true while every write so far has reached the stream.
    [[nodiscard]] bool ok() const noexcept;
    // records returns how many records have been written.
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

private:
    std::ostream* out_;
    std::uint32_t snaplen_;
    std::uint64_t records_ = 0;
};

// PcapFile is a PcapWriter that owns its file.
class PcapFile {
public:
    // create truncates or creates path and writes the global header; returns
    // null if the file cannot be opened or written.
    static std::unique_ptr<PcapFile> create(const std::filesystem::path& path,
                                            std::uint32_t linktype = kPcapLinktypeRaw,
                                            std::uint32_t snaplen = kPcapDefaultSnaplen);

    // writer returns the writer to add records with.
    PcapWriter& writer() noexcept { return writer_; }

private:
    PcapFile(const std::filesystem::path& path, std::uint32_t linktype, std::uint32_t snaplen);

    std::ofstream file_;
    PcapWriter writer_;
};

}  // namespace strata::packet
