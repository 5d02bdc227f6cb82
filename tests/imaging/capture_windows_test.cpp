#include "imaging/agent/capture_windows.h"

#include <gtest/gtest.h>

namespace slipway::imaging::agent {
namespace {

TEST(CaptureWindowsTest, RawRegionIsCutAtFixedOffsetsWithAShortLastWindow) {
  auto w = capture_windows(1000, 25, {{0, 25}}, 10);
  EXPECT_EQ(w, (std::vector<CaptureWindow>{
                   {1000, 10, {{1000, 10}}}, {1010, 10, {{1010, 10}}}, {1020, 5, {{1020, 5}}}}));
}

TEST(CaptureWindowsTest, UsedRangesReadOnlyTheirBytesAndEmptyWindowsAreLeftOut) {
  // Used: 2..5, 8..13 (crosses into the second window), 31..32 (the fourth window).
  auto w = capture_windows(0, 40, {{2, 3}, {8, 5}, {31, 1}}, 10);
  EXPECT_EQ(w, (std::vector<CaptureWindow>{
                   {0, 10, {{2, 3}, {8, 2}}}, {10, 10, {{10, 3}}}, {30, 10, {{31, 1}}}}));
}

TEST(CaptureWindowsTest, RangesPastTheRegionAreClipped) {
  auto w = capture_windows(100, 12, {{5, 100}, {50, 10}}, 8);
  EXPECT_EQ(w, (std::vector<CaptureWindow>{{100, 8, {{105, 3}}}, {108, 4, {{108, 4}}}}));
}

TEST(CaptureWindowsTest, TheSameContentPlaceGivesTheSameWindowsWhateverElseIsUsed) {
  auto a = capture_windows(0, 100, {{40, 20}}, 16);
  auto b = capture_windows(0, 100, {{0, 2}, {40, 20}}, 16);
  ASSERT_EQ(b.size(), a.size() + 1);
  EXPECT_EQ(std::vector<CaptureWindow>(b.begin() + 1, b.end()), a);
}

}  // namespace
}  // namespace slipway::imaging::agent
