#include "controlplane/open_files.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace slipway::controlplane {
namespace {

TEST(OpenFiles, NeedsTwoPerTransferPlusHeadroom) {
  EXPECT_EQ(open_files_needed(0), 256u);
  EXPECT_EQ(open_files_needed(4096), 2 * 4096u + 256u);
}

TEST(OpenFiles, RaisesTheSoftLimitToTheHardOne) {
  auto limit = raise_open_file_limit();
  ASSERT_TRUE(limit) << limit.error().message;
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(limit->soft, static_cast<uint64_t>(now.rlim_cur));
  EXPECT_EQ(limit->hard, static_cast<uint64_t>(now.rlim_max));
  if (now.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(now.rlim_cur, now.rlim_max);
  }
  // Raising again changes nothing.
  auto again = raise_open_file_limit();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->soft, limit->soft);
}

}  // namespace
}  // namespace slipway::controlplane
