#include "common/bearer_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace slipway::http {
namespace {

constexpr std::string_view kToken = "slw_0123456789ab_AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK";

std::string credential(std::string_view value) {
  auto parsed = parse_bearer(value);
  if (auto* c = std::get_if<std::string_view>(&parsed)) return std::string(*c);
  return "refused: " + std::string(to_string(std::get<BearerProblem>(parsed)));
}

BearerProblem problem(std::string_view value) {
  auto parsed = parse_bearer(value);
  EXPECT_TRUE(std::holds_alternative<BearerProblem>(parsed)) << value;
  return std::holds_alternative<BearerProblem>(parsed) ? std::get<BearerProblem>(parsed)
                                                       : BearerProblem::kMissing;
}

TEST(BearerAuth, AcceptsTheSchemeInAnyCaseAndOneOrMoreSpaces) {
  std::string t(kToken);
  EXPECT_EQ(credential("Bearer " + t), t);
  EXPECT_EQ(credential("bearer " + t), t);
  EXPECT_EQ(credential("BEARER    " + t), t);
  EXPECT_EQ(credential("  Bearer " + t + " \t"), t);
  EXPECT_EQ(credential("Bearer sa1_00ff_abc-_~+/=="), "sa1_00ff_abc-_~+/==");
}

TEST(BearerAuth, RefusesOtherSchemesAndMissingCredentials) {
  EXPECT_EQ(problem(""), BearerProblem::kMissing);
  EXPECT_EQ(problem("   "), BearerProblem::kMissing);
  EXPECT_EQ(problem("Basic dXNlcjpwYXNz"), BearerProblem::kNotBearer);
  EXPECT_EQ(problem(std::string(kToken)), BearerProblem::kNotBearer);
  EXPECT_EQ(problem("Bearers abc"), BearerProblem::kNotBearer);
  EXPECT_EQ(problem("Bearer"), BearerProblem::kNoCredential);
  EXPECT_EQ(problem("Bearer    "), BearerProblem::kNoCredential);
  EXPECT_EQ(problem("Bearer\tabc"), BearerProblem::kMalformed);
  EXPECT_EQ(problem("Bearer abc def"), BearerProblem::kMalformed);
}

TEST(BearerAuth, RefusesControlAndForeignCharacters) {
  EXPECT_EQ(problem(std::string("Bearer ab\0c", 11)), BearerProblem::kBadCharacter);
  EXPECT_EQ(problem("Bearer ab\r\nX-Evil: 1"), BearerProblem::kBadCharacter);
  EXPECT_EQ(problem("Bearer ab\x7f"), BearerProblem::kBadCharacter);
  EXPECT_EQ(problem("Bearer t\xc3\xa9st"), BearerProblem::kBadCharacter);
  EXPECT_EQ(problem("Bearer a=b"), BearerProblem::kBadCharacter);
  EXPECT_EQ(problem("Bearer ==="), BearerProblem::kBadCharacter);
  EXPECT_EQ(problem("Bearer a,b"), BearerProblem::kBadCharacter);
}

TEST(BearerAuth, RefusesOverLongValues) {
  EXPECT_EQ(credential("Bearer " + std::string(kMaxBearerCredentialSize, 'a')),
            std::string(kMaxBearerCredentialSize, 'a'));
  EXPECT_EQ(problem("Bearer " + std::string(kMaxBearerCredentialSize + 1, 'a')),
            BearerProblem::kTooLong);
  EXPECT_EQ(problem(std::string(kMaxAuthorizationSize + 1, ' ')), BearerProblem::kTooLong);
}

TEST(BearerAuth, ReasonsNeverQuoteTheCredential) {
  for (auto p :
       {BearerProblem::kMissing, BearerProblem::kTooLong, BearerProblem::kBadCharacter,
        BearerProblem::kNotBearer, BearerProblem::kNoCredential, BearerProblem::kMalformed}) {
    EXPECT_FALSE(to_string(p).empty());
    EXPECT_EQ(to_string(p).find("slw_"), std::string_view::npos);
  }
}

}  // namespace
}  // namespace slipway::http
