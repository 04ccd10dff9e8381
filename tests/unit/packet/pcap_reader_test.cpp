#include "packet/pcap_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "packet/pcap.hpp"

namespace strata::packet {
namespace {

core::Bytes bytes_of(const std::string& s) { return core::Bytes(s.begin(), s.end()); }

TEST(PcapReader, ReadsWhatTheWriterWrote) {
    std::ostringstream out;
    PcapWriter w(out);
    const core::Bytes a{0x45, 0, 0, 20}, b{0x60, 1, 2};
    ASSERT_TRUE(w.write(10, 20, a));
    ASSERT_TRUE(w.write(11, 999999, b));
    const core::Bytes file = bytes_of(out.str());
    auto cap = parse_pcap(file);
    ASSERT_TRUE(cap.ok()) << core::to_string(cap.error());
    EXPECT_EQ(cap->linktype, kPcapLinktypeRaw);
    ASSERT_EQ(cap->records.size(), 2U);
    EXPECT_EQ(cap->records[0].seconds, 10U);
    EXPECT_EQ(cap->records[0].microseconds, 20U);
    EXPECT_TRUE(core::equal_public(cap->records[0].ip, a));
    EXPECT_EQ(cap->records[1].microseconds, 999999U);
    EXPECT_TRUE(core::equal_public(cap->records[1].ip, b));
}

TEST(PcapReader, BigEndianEthernetWithVlanAndNonIpFrames) {
    core::Bytes f{0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 1};
    auto record = [&](const core::Bytes& frame) {
        const auto n = static_cast<std::uint8_t>(frame.size());
        core::Bytes h{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, n, 0, 0, 0, n};
        f.insert(f.end(), h.begin(), h.end());
        f.insert(f.end(), frame.begin(), frame.end());
    };
    core::Bytes eth(12, 0xaa);
    core::Bytes v4 = eth;
    v4.insert(v4.end(), {0x08, 0x00, 0x45, 0x01});
    core::Bytes vlan = eth;
    vlan.insert(vlan.end(), {0x81, 0x00, 0x00, 0x05, 0x86, 0xdd, 0x60, 0x02});
    core::Bytes arp = eth;
    arp.insert(arp.end(), {0x08, 0x06, 0x00, 0x01});
    record(v4);
    record(vlan);
    record(arp);
    auto cap = parse_pcap(f);
    ASSERT_TRUE(cap.ok()) << core::to_string(cap.error());
    ASSERT_EQ(cap->records.size(), 3U);
    EXPECT_EQ(cap->records[0].ip.size(), 2U);
    EXPECT_EQ(cap->records[0].ip[0], 0x45);
    EXPECT_EQ(cap->records[1].ip[0], 0x60);
    EXPECT_FALSE(cap->records[2].is_ip);
    EXPECT_EQ(cap->records[1].microseconds, 2U);
}

TEST(PcapReader, RefusesBadFiles) {
    EXPECT_EQ(parse_pcap(core::Bytes{1, 2}).error(), core::Error::Truncated);
    core::Bytes bad(24, 0);
    EXPECT_EQ(parse_pcap(bad).error(), core::Error::BadMagic);
    core::Bytes usb{0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0,   0, 0, 0,
                    0,    0,    0,    0,    0xff, 0xff, 0, 0, 189, 0, 0, 0};
    EXPECT_EQ(parse_pcap(usb).error(), core::Error::UnsupportedLinktype);
    std::ostringstream out;
    PcapWriter w(out);
    ASSERT_TRUE(w.write(1, 1, core::Bytes(40, 0x45)));
    core::Bytes cut = bytes_of(out.str());
    cut.resize(cut.size() - 1);
    EXPECT_EQ(parse_pcap(cut).error(), core::Error::Truncated);
    EXPECT_EQ(read_file("/nonexistent/file.pcap").error(), core::Error::IoError);
}

}  // namespace
}  // namespace strata::packet
