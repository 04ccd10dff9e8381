#include "core/reader.hpp"

#include <gtest/gtest.h>

#include <array>

namespace strata::core {
namespace {

TEST(Reader, ReadsBigEndianIntegers) {
    const std::array<std::uint8_t, 18> buf{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                           0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};
    Reader r{ByteView(buf)};
    EXPECT_EQ(*r.u8(), 0x01);
    EXPECT_EQ(*r.u16(), 0x0203);
    EXPECT_EQ(*r.u24(), 0x040506U);
    EXPECT_EQ(*r.u32(), 0x0708090aU);
    EXPECT_EQ(*r.u64(), 0x0b0c0d0e0f101112ULL);
    EXPECT_TRUE(r.empty());
    EXPECT_TRUE(r.expect_empty().ok());
}

TEST(Reader, ReadsHighBitIntegersAtUnalignedOffsets) {
    // The 2-, 4- and 8-byte reads are one load and a byte swap: check them
    // with every high bit set, from odd offsets, up to the last byte.
    const std::array<std::uint8_t, 15> buf{0x80, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9,
                                           0xf8, 0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2};
    Reader r{ByteView(buf)};
    EXPECT_EQ(*r.u8(), 0x80);
    EXPECT_EQ(*r.u16(), 0xfffeU);
    EXPECT_EQ(*r.u32(), 0xfdfcfbfaU);
    EXPECT_EQ(*r.u64(), 0xf9f8f7f6f5f4f3f2ULL);
    EXPECT_TRUE(r.empty());
    EXPECT_FALSE(r.u16().ok());
}

TEST(Reader, ShortReadFailsAndDoesNotAdvance) {
    const std::array<std::uint8_t, 3> buf{1, 2, 3};
    Reader r{ByteView(buf)};
    auto v = r.u32();
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error(), Error::Truncated);
    EXPECT_EQ(r.remaining(), 3U);
    EXPECT_EQ(*r.u24(), 0x010203U);
    EXPECT_EQ(r.u8().error(), Error::Truncated);
    EXPECT_EQ(r.bytes(1).error(), Error::Truncated);
    EXPECT_EQ(r.skip(1).error(), Error::Truncated);
    EXPECT_EQ(r.peek_u8().error(), Error::Truncated);
}

TEST(Reader, SubReaderIsBounded) {
    const std::array<std::uint8_t, 5> buf{0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    Reader r{ByteView(buf)};
    auto sub = r.sub(2);
    ASSERT_TRUE(sub.ok());
    EXPECT_EQ(*sub->u16(), 0xaabb);
    EXPECT_EQ(sub->u8().error(), Error::Truncated);  // cannot see past its 2 bytes
    EXPECT_EQ(r.remaining(), 3U);
    EXPECT_EQ(r.sub(4).error(), Error::Truncated);
}

TEST(Reader, LengthPrefixedFields) {
    // u8 prefix 2, u16 prefix 1, u24 prefix 0, u32 prefix 1
    const std::array<std::uint8_t, 16> buf{2, 'h', 'i', 0, 1, 'x', 0, 0, 0, 0, 0, 0, 1, 'y', 0xff, 0xff};
    Reader r{ByteView(buf)};
    auto a = r.prefixed8();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->remaining(), 2U);
    auto b = r.prefixed16();
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->u8(), 'x');
    auto c = r.prefixed24();
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->empty());
    auto d = r.prefixed32();
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d->u8(), 'y');
    EXPECT_EQ(r.remaining(), 2U);
    EXPECT_EQ(r.expect_empty().error(), Error::TrailingBytes);
}

TEST(Reader, PrefixLongerThanDataFailsWithoutAdvancing) {
    const std::array<std::uint8_t, 3> buf{0x00, 0x05, 0x01};
    Reader r{ByteView(buf)};
    EXPECT_EQ(r.prefixed16().error(), Error::Truncated);
    EXPECT_EQ(r.offset(), 0U);  // all or nothing
}

TEST(Reader, CopyToAndTakeRest) {
    const std::array<std::uint8_t, 4> buf{1, 2, 3, 4};
    Reader r{ByteView(buf)};
    std::array<std::uint8_t, 2> out{};
    ASSERT_TRUE(r.copy_to(out).ok());
    EXPECT_EQ(out[1], 2);
    std::array<std::uint8_t, 3> big{};
    EXPECT_EQ(r.copy_to(big).error(), Error::Truncated);
    EXPECT_EQ(r.take_rest().size(), 2U);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.whole().size(), 4U);
}

TEST(Reader, EmptyInput) {
    Reader r{ByteView{}};
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.u8().error(), Error::Truncated);
    EXPECT_TRUE(r.bytes(0).ok());
    EXPECT_TRUE(r.expect_empty().ok());
}

}  // namespace
}  // namespace strata::core
