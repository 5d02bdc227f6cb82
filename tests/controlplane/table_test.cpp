#include "controlplane/table.h"

#include <gtest/gtest.h>

namespace slipway::controlplane {
namespace {

TEST(Table, AlignsColumns) {
  Table t({"NAME", "STATE"});
  t.add_row({"m-1", "discovered"});
  t.add_row({"a-much-longer-name", "ready"});
  EXPECT_EQ(t.render(),
            "NAME                STATE\n"
            "m-1                 discovered\n"
            "a-much-longer-name  ready\n");
}

TEST(Table, FormatsUtcTime) { EXPECT_EQ(format_time(0), "1970-01-01 00:00:00"); }

}  // namespace
}  // namespace slipway::controlplane
