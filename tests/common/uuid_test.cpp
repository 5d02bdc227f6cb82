#include "common/uuid.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

TEST(Uuid, ParsesAndPrintsCanonically) {
  auto u = Uuid::parse("5A1E0001-0000-4000-8000-00000000000A");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->to_string(), "5a1e0001-0000-4000-8000-00000000000a");
}

TEST(Uuid, RefusesMalformed) {
  for (const char* bad :
       {"", "5a1e0001000040008000000000000001", "{5a1e0001-0000-4000-8000-000000000001}",
        "5a1e0001-0000-4000-8000-00000000000g", "5a1e0001-0000-4000-80000-00000000001"}) {
    EXPECT_FALSE(Uuid::parse(bad).has_value()) << bad;
  }
}

TEST(Uuid, SmbiosByteOrderSwapsFirstThreeFields) {
  // SMBIOS 2.6+ and EFI_GUID store time_low, time_mid and time_hi little-endian.
  std::array<uint8_t, 16> wire = {0x01, 0x00, 0x1e, 0x5a, 0x00, 0x00, 0x00, 0x40,
                                  0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
  Uuid u = Uuid::from_smbios_bytes(wire);
  EXPECT_EQ(u.to_string(), "5a1e0001-0000-4000-8000-000000000001");
  EXPECT_EQ(u.smbios_bytes(), wire);
}

TEST(Uuid, PlaceholdersAreNotIdentities) {
  EXPECT_FALSE(Uuid().is_identity());
  EXPECT_FALSE(Uuid::parse("ffffffff-ffff-ffff-ffff-ffffffffffff")->is_identity());
  EXPECT_FALSE(Uuid::parse("03000200-0400-0500-0006-000700080009")->is_identity());
  EXPECT_TRUE(Uuid::parse("5a1e0001-0000-4000-8000-000000000001")->is_identity());
}

}  // namespace
}  // namespace slipway
