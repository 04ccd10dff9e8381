#include "gateway/datapath.hpp"

#include <gtest/gtest.h>

#include <string>

#include "gateway/config.hpp"

namespace strata::gateway {
namespace {

config::ManualKeying site_c() {
    auto c = load_gateway_config(std::string(STRATA_SOURCE_DIR) + "/examples/gateway/site-to-site-c.toml");
    EXPECT_TRUE(c.ok()) << c.error().message;
    return std::move(*c->manual);
}

TEST(Datapath, ReloadCarriesUnchangedSasOverWithTheirCounters) {
    auto first = Datapath::build(site_c(), nullptr, core::Instant{});
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ((*first)->sad().size(), 2U);
    EXPECT_EQ((*first)->spd().size(), 4U);
    EXPECT_EQ((*first)->carried_over(), 0U);
    auto out = (*first)->sad().outbound(1, ipsec::Protocol::Esp);
    ASSERT_TRUE(out);
    EXPECT_EQ((*first)->name_of(out.get()), "c-to-d");
    ASSERT_TRUE(out->next_sequence().ok());

    auto second = Datapath::build(site_c(), first->get(), core::Instant{});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ((*second)->carried_over(), 2U);
    auto out2 = (*second)->sad().outbound(1, ipsec::Protocol::Esp);
    EXPECT_EQ(out2.get(), out.get());  // the same SA: the sequence number continues
    EXPECT_EQ(out2->last_sequence(), 1U);

    // A changed key makes a new SA.
    auto changed = site_c();
    changed.sas[0].encryption_key = core::SecretBytes(changed.sas[0].encryption_key.size());
    auto third = Datapath::build(std::move(changed), second->get(), core::Instant{});
    ASSERT_TRUE(third.ok());
    EXPECT_EQ((*third)->carried_over(), 1U);
    EXPECT_NE((*third)->sad().outbound(1, ipsec::Protocol::Esp).get(), out.get());
}

TEST(Datapath, RefusedSaIsNamed) {
    auto mk = site_c();
    mk.sas[1].encryption_key = core::SecretBytes(3);
    auto dp = Datapath::build(std::move(mk), nullptr, core::Instant{});
    ASSERT_FALSE(dp.ok());
    EXPECT_EQ(dp.error().message, "sa 'd-to-c': WrongKeyLength");
}

}  // namespace
}  // namespace strata::gateway
