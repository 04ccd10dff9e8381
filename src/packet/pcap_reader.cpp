#include "packet/pcap_reader.hpp"

#include <fstream>
#include <iterator>

#include "core/reader.hpp"

namespace strata::packet {

namespace {

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kLinkEthernet = 1;
constexpr std::uint32_t kLinkRaw = 101;
constexpr std::uint32_t kLinkLinuxSll = 113;
constexpr std::uint32_t kLinkIpv4 = 228;
constexpr std::uint32_t kLinkIpv6 = 229;
constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;

std::uint32_t swap32(std::uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00U) | ((v << 8) & 0xff0000U) | (v << 24);
}

// ip_of strips the link header of one frame; empty when it is not IP.
core::ByteView ip_of(std::uint32_t linktype, core::ByteView frame) {
    core::Reader r(frame);
    std::uint16_t ethertype = 0;
    if (linktype == kLinkRaw || linktype == kLinkIpv4 || linktype == kLinkIpv6) return frame;
    if (linktype == kLinkEthernet) {
        if (!r.skip(12).ok()) return {};
        auto t = r.u16();
        if (!t) return {};
        ethertype = *t;
        if (ethertype == kEtherVlan) {
            if (!r.skip(2).ok()) return {};
            t = r.u16();
            if (!t) return {};
            ethertype = *t;
        }
    } else if (linktype == kLinkLinuxSll) {
        if (!r.skip(14).ok()) return {};
        auto t = r.u16();
        if (!t) return {};
        ethertype = *t;
    }
    if (ethertype != kEtherIpv4 && ethertype != kEtherIpv6) return {};
    return r.rest();
}

}  // namespace

core::Result<PcapCapture> parse_pcap(core::ByteView file) {
    core::Reader r(file);
    auto magic = r.u32();
    if (!magic) return core::fail(magic.error());
    bool swap = false;
    bool nano = false;
    if (*magic == kMagicMicro || *magic == kMagicNano) {
        nano = *magic == kMagicNano;
    } else if (swap32(*magic) == kMagicMicro || swap32(*magic) == kMagicNano) {
        swap = true;
        nano = swap32(*magic) == kMagicNano;
    } else {
        return core::fail(core::Error::BadMagic);
    }
    // The Reader reads big-endian; a file written little-endian is swapped.
    auto field = [&](core::Reader& rd) -> core::Result<std::uint32_t> {
        auto v = rd.u32();
        if (!v) return v;
        return swap ? swap32(*v) : *v;
    };
    // version, zone, sigfigs, snaplen, then the link type (read below)
    if (!r.skip(4 + 4 + 4 + 4 + 4).ok()) return core::fail(core::Error::Truncated);
    PcapCapture cap;
    {
        core::Reader lt(file.subspan(20, 4));
        auto linktype = field(lt);
        if (!linktype) return core::fail(linktype.error());
        cap.linktype = *linktype & 0x0fffffffU;  // the top bits carry FCS flags
    }
    if (cap.linktype != kLinkRaw && cap.linktype != kLinkIpv4 && cap.linktype != kLinkIpv6 &&
        cap.linktype != kLinkEthernet && cap.linktype != kLinkLinuxSll) {
        return core::fail(core::Error::UnsupportedLinktype);
    }
    while (!r.empty()) {
        auto sec = field(r);
        auto frac = field(r);
        auto incl = field(r);
        auto orig = field(r);
        if (!sec || !frac || !incl || !orig) return core::fail(core::Error::Truncated);
        auto frame = r.bytes(*incl);
        if (!frame) return core::fail(frame.error());
        PcapRecord rec;
        rec.seconds = *sec;
        rec.microseconds = nano ? *frac / 1000 : *frac;
        rec.ip = ip_of(cap.linktype, *frame);
        rec.is_ip = !rec.ip.empty();
        cap.records.push_back(rec);
    }
    return cap;
}

core::Result<core::Bytes> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::fail(core::Error::IoError);
    core::Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return core::fail(core::Error::IoError);
    return b;
}

}  // namespace strata::packet
