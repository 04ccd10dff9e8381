#include "core/writer.hpp"

#include <gtest/gtest.h>

#include <array>

#include "core/hex.hpp"
#include "core/reader.hpp"

namespace strata::core {
namespace {

TEST(Writer, WritesBigEndianIntegers) {
    Bytes out;
    Writer w(out);
    w.u8(0x01);
    w.u16(0x0203);
    w.u24(0x040506);
    w.u32(0x0708090a);
    w.u64(0x0b0c0d0e0f101112ULL);
    ASSERT_TRUE(w.status().ok());
    EXPECT_EQ(to_hex(out), "0102030405060708090a0b0c0d0e0f101112");
    EXPECT_EQ(w.size(), 18U);
}

TEST(Writer, AppendsAfterExistingBytes) {
    Bytes out{0xff};
    Writer w(out);
    w.u8(1);
    EXPECT_EQ(to_hex(out), "ff01");
    EXPECT_EQ(to_hex(w.written()), "01");
}

TEST(Writer, LengthScopesFillInAfterwards) {
    Bytes out;
    Writer w(out);
    auto outer = w.open_length(2);
    w.u8(0xaa);
    auto inner = w.open_length(1);
    w.bytes(ByteView(reinterpret_cast<const std::uint8_t*>("abc"), 3));
    w.close_length(inner);
    w.close_length(outer);
    ASSERT_TRUE(w.status().ok());
    EXPECT_EQ(to_hex(out), "0005aa03616263");
    // and the Reader reads it back through the same prefixes
    Reader r{ByteView(out)};
    auto body = r.prefixed16();
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(*body->u8(), 0xaa);
    auto s = body->prefixed8();
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->remaining(), 3U);
}

TEST(Writer, LengthScopeOverflowIsAnError) {
    Bytes out;
    Writer w(out);
    auto s = w.open_length(1);
    w.zeros(256);
    w.close_length(s);
    EXPECT_EQ(w.status().error(), Error::LengthOverflow);
}

TEST(Writer, U24RejectsValuesThatDoNotFit) {
    Bytes out;
    Writer w(out);
    w.u24(1U << 24);
    EXPECT_EQ(w.status().error(), Error::LengthOverflow);
}

TEST(Writer, FixedBufferOverflowIsStickyAndWritesNothingMore) {
    std::array<std::uint8_t, 3> buf{};
    Writer w{MutableByteView(buf)};
    w.u16(0x0102);
    w.u16(0x0304);  // does not fit
    w.u8(0x05);     // would fit, but the error is sticky
    EXPECT_EQ(w.status().error(), Error::WriterOverflow);
    EXPECT_EQ(w.size(), 2U);
    EXPECT_EQ(buf[2], 0);
}

TEST(Writer, FixedBufferWritesEveryWidthBigEndianUpToTheLastByte) {
    // The fixed-buffer fast path (byte-swapped stores): every width, high
    // bits set, at odd offsets, filling the buffer exactly.
    std::array<std::uint8_t, 23> buf{};
    Writer w{MutableByteView(buf)};
    w.u8(0xf1);
    w.u16(0xf2f3);
    w.u24(0xf4f5f6);
    w.u32(0xf7f8f9faU);
    w.u64(0xfbfcfdfeff000102ULL);
    const std::array<std::uint8_t, 5> tail{0x03, 0x04, 0x05, 0x06, 0x07};
    w.bytes(std::span<const std::uint8_t, 5>(tail));  // fixed-size overload
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w.size(), buf.size());
    EXPECT_EQ(to_hex(buf), "f1f2f3f4f5f6f7f8f9fafbfcfdfeff0001020304050607");
    w.u8(0);  // one byte past the end
    EXPECT_EQ(w.status().error(), Error::WriterOverflow);
    EXPECT_EQ(w.size(), buf.size());
}

TEST(Writer, AfterAnErrorFixedSizeAndEmptyWritesChangeNothing) {
    std::array<std::uint8_t, 6> buf{};
    Writer w{MutableByteView(buf)};
    w.u32(0x01020304);
    w.u32(0x05060708);  // does not fit: the error sticks
    const std::array<std::uint8_t, 2> two{9, 9};
    w.bytes(std::span<const std::uint8_t, 2>(two));  // would fit, refused
    w.bytes(ByteView{});
    w.zeros(0);
    EXPECT_TRUE(w.reserve(0).empty());
    EXPECT_EQ(w.status().error(), Error::WriterOverflow);
    EXPECT_EQ(w.size(), 4U);
    EXPECT_EQ(to_hex(buf), "010203040000");
}

TEST(Writer, ReserveGivesAViewToFillInPlace) {
    std::array<std::uint8_t, 4> buf{};
    Writer w{MutableByteView(buf)};
    w.u8(9);
    auto v = w.reserve(3);
    ASSERT_EQ(v.size(), 3U);
    v[0] = 7;
    EXPECT_EQ(buf[1], 7);
    EXPECT_TRUE(w.reserve(1).empty());
    EXPECT_FALSE(w.ok());
}

TEST(Writer, PatchOverwritesWrittenBytesOnly) {
    Bytes out;
    Writer w(out);
    w.zeros(6);
    w.patch_u16(0, 0xabcd);
    w.patch_u32(2, 0x01020304);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(to_hex(out), "abcd01020304");
    w.patch_u32(4, 0);  // past the end
    EXPECT_EQ(w.status().error(), Error::WriterOverflow);
}

TEST(Writer, BadPrefixWidthIsAnError) {
    Bytes out;
    Writer w(out);
    (void)w.open_length(5);
    EXPECT_EQ(w.status().error(), Error::LengthOverflow);
}

}  // namespace
}  // namespace strata::core
