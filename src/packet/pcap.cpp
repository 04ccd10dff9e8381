#include "packet/pcap.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "core/writer.hpp"

namespace strata::packet {

namespace {

// put_le16/put_le32 write little-endian values (pcap fields are in the
// writer's byte order; core::Writer itself is big-endian).
void put_le16(core::Writer& w, std::uint16_t v) noexcept {
    w.u8(static_cast<std::uint8_t>(v));
    w.u8(static_cast<std::uint8_t>(v >> 8));
}

void put_le32(core::Writer& w, std::uint32_t v) noexcept {
    put_le16(w, static_cast<std::uint16_t>(v));
    put_le16(w, static_cast<std::uint16_t>(v >> 16));
}

void put(std::ostream& out, core::ByteView b) {
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

PcapWriter::PcapWriter(std::ostream& out, std::uint32_t linktype, std::uint32_t snaplen)
    : out_(&out), snaplen_(snaplen) {
    std::array<std::uint8_t, kPcapFileHeaderLength> buf{};
    core::Writer w{core::MutableByteView(buf)};
    put_le32(w, kPcapMagic);
    put_le16(w, 2);  // version_major
    put_le16(w, 4);  // version_minor
    put_le32(w, 0);  // thiszone: timestamps are UTC
    put_le32(w, 0);  // sigfigs
    put_le32(w, snaplen);
    put_le32(w, linktype);
    put(*out_, w.written());
}

bool PcapWriter::write(core::WallTime ts, core::ByteView packet) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(ts.time_since_epoch()).count();
    if (us <= 0) return write(0, 0, packet);
    const auto seconds = static_cast<std::uint32_t>(us / 1000000);
    const auto micros = static_cast<std::uint32_t>(us % 1000000);
    return write(seconds, micros, packet);
}

bool PcapWriter::write(std::uint32_t seconds, std::uint32_t microseconds, core::ByteView packet) {
    const std::size_t original = std::min<std::size_t>(packet.size(), 0xffffffffU);
    const std::size_t captured = std::min<std::size_t>(original, snaplen_);
    std::array<std::uint8_t, kPcapRecordHeaderLength> buf{};
    core::Writer w{core::MutableByteView(buf)};
    put_le32(w, seconds + microseconds / 1000000);
    put_le32(w, microseconds % 1000000);
    put_le32(w, static_cast<std::uint32_t>(captured));
    put_le32(w, static_cast<std::uint32_t>(original));
    put(*out_, w.written());
    put(*out_, packet.first(captured));
    ++records_;
    return ok();
}

bool PcapWriter::flush() {
    out_->flush();
    return ok();
}

bool PcapWriter::ok() const noexcept { return out_->good(); }

PcapFile::PcapFile(const std::filesystem::path& path, std::uint32_t linktype, std::uint32_t snaplen)
    : file_(path, std::ios::binary | std::ios::trunc), writer_(file_, linktype, snaplen) {}

std::unique_ptr<PcapFile> PcapFile::create(const std::filesystem::path& path, std::uint32_t linktype,
                                           std::uint32_t snaplen) {
    std::unique_ptr<PcapFile> f(new PcapFile(path, linktype, snaplen));
    if (!f->file_.is_open() || !f->writer_.flush()) return nullptr;
    return f;
}

}  // namespace strata::packet
