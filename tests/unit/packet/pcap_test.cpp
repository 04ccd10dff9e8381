#include "packet/pcap.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/reader.hpp"

namespace strata::packet {
namespace {

using core::Bytes;

// le32 reads a little-endian u32 (pcap fields as this writer lays them out).
std::uint32_t le32(core::Reader& r) {
    auto b = r.bytes(4);
    EXPECT_TRUE(b);
    if (!b) return 0;
    const core::ByteView v = *b;
    return static_cast<std::uint32_t>(v[0] | v[1] << 8 | v[2] << 16) | static_cast<std::uint32_t>(v[3]) << 24;
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(Pcap, WritesHeaderAndRecordsThatReadBack) {
    std::ostringstream out;
    PcapWriter w(out);
    const Bytes p1{0x45, 0, 0, 20};
    const Bytes p2(100, 0x60);
    const auto ts = core::WallTime{} + std::chrono::seconds(1700000000) + std::chrono::microseconds(123456);
    EXPECT_TRUE(w.write(ts, p1));
    EXPECT_TRUE(w.write(5, 2500000, p2));  // 2.5 s of microseconds carry into seconds
    EXPECT_EQ(w.records(), 2U);

    const Bytes file = bytes_of(out.str());
    ASSERT_EQ(file.size(), 24U + 16 + 4 + 16 + 100);
    // The magic a1b2c3d4 in little-endian order, as libpcap writes on x86.
    EXPECT_EQ(file[0], 0xd4);
    EXPECT_EQ(file[3], 0xa1);
    core::Reader r(file);
    EXPECT_EQ(le32(r), kPcapMagic);
    EXPECT_EQ(le32(r), 0x00040002U);  // version 2.4
    EXPECT_EQ(le32(r), 0U);           // thiszone
    EXPECT_EQ(le32(r), 0U);           // sigfigs
    EXPECT_EQ(le32(r), kPcapDefaultSnaplen);
    EXPECT_EQ(le32(r), kPcapLinktypeRaw);

    EXPECT_EQ(le32(r), 1700000000U);
    EXPECT_EQ(le32(r), 123456U);
    EXPECT_EQ(le32(r), 4U);
    EXPECT_EQ(le32(r), 4U);
    EXPECT_TRUE(core::equal_public(*r.bytes(4), p1));

    EXPECT_EQ(le32(r), 7U);
    EXPECT_EQ(le32(r), 500000U);
    EXPECT_EQ(le32(r), 100U);
    EXPECT_EQ(le32(r), 100U);
    EXPECT_TRUE(core::equal_public(*r.bytes(100), p2));
    EXPECT_TRUE(r.empty());
}

TEST(Pcap, SnaplenCutsRecordsButKeepsOriginalLength) {
    std::ostringstream out;
    PcapWriter w(out, kPcapLinktypeRaw, 10);
    EXPECT_TRUE(w.write(core::WallTime{}, Bytes(50, 1)));
    const Bytes file = bytes_of(out.str());
    ASSERT_EQ(file.size(), 24U + 16 + 10);
    core::Reader r(file);
    ASSERT_TRUE(r.skip(24 + 8));
    EXPECT_EQ(le32(r), 10U);
    EXPECT_EQ(le32(r), 50U);
}

TEST(Pcap, FileWriterCreatesAReadableFile) {
    const auto path =
        std::filesystem::temp_directory_path() /
        ("strata_pcap_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".pcap");
    {
        auto f = PcapFile::create(path);
        ASSERT_TRUE(f);
        EXPECT_TRUE(f->writer().write(1, 2, Bytes{0x60, 0, 0, 0}));
    }
    std::ifstream in(path, std::ios::binary);
    const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(file.size(), 24U + 16 + 4);
    std::filesystem::remove(path);
    EXPECT_FALSE(PcapFile::create("/nonexistent-dir/x.pcap"));
}

}  // namespace
}  // namespace strata::packet
