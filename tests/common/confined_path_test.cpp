#include "common/confined_path.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/common/test_dir.h"

namespace slipway {
namespace {

using Refusal = ConfinedRoot::Refusal;

class ConfinedRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "root/sub");
    std::ofstream(dir_ / "root/sub/file.bin") << "inside";
    std::ofstream(dir_ / "secret") << "outside";
    std::filesystem::create_directories(dir_ / "root-other");
    std::ofstream(dir_ / "root-other/x") << "sibling";
    std::filesystem::create_symlink(dir_ / "secret", dir_ / "root/escape");
    std::filesystem::create_symlink("sub/file.bin", dir_ / "root/inner-link");
    std::filesystem::create_symlink("/dev/null", dir_ / "root/devnull");
    std::filesystem::create_symlink(dir_ / "root-other", dir_ / "root/sibling");
  }
  testutil::TestDir dir_;
};

TEST_F(ConfinedRootTest, ResolvesFilesInside) {
  ConfinedRoot root(dir_ / "root");
  auto r = root.resolve("sub/file.bin");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, std::filesystem::canonical(dir_ / "root/sub/file.bin"));
  EXPECT_TRUE(root.resolve("/sub/file.bin"));    // a leading '/' means the root
  EXPECT_TRUE(root.resolve("sub//./file.bin"));  // empty and '.' parts are harmless
  EXPECT_TRUE(root.resolve("inner-link"));       // a symlink that stays inside is fine
}

TEST_F(ConfinedRootTest, RefusesEscapesAndOddFiles) {
  ConfinedRoot root(dir_ / "root");
  EXPECT_EQ(root.lookup("../secret").refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup("sub/../../secret").refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup("..").refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup("sub\\..\\x").refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup(std::string("sub/file.bin\0x", 14)).refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup(std::string(2000, 'a')).refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup("").refusal, Refusal::kMalformed);
  EXPECT_EQ(root.lookup("escape").refusal, Refusal::kEscapes);
  EXPECT_EQ(root.lookup("sibling/x").refusal, Refusal::kEscapes);
  EXPECT_EQ(root.lookup("devnull").refusal, Refusal::kEscapes);
  EXPECT_EQ(root.lookup("sub").refusal, Refusal::kNotRegular);
  EXPECT_EQ(root.lookup("/").refusal, Refusal::kNotRegular);
  EXPECT_EQ(root.lookup("missing").refusal, Refusal::kNotFound);
  EXPECT_FALSE(root.resolve((dir_ / "secret").string()));  // absolute paths stay inside the root
}

}  // namespace
}  // namespace slipway
