#include "common/bearer_auth.h"

namespace slipway::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

bool b64token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

// RFC 6750: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && b64token_char(s[i])) ++i;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(BearerProblem p) {
  switch (p) {
    case BearerProblem::kMissing:
      return "no credential";
    case BearerProblem::kTooLong:
      return "authorization header too long";
    case BearerProblem::kBadCharacter:
      return "bad character in the authorization header";
    case BearerProblem::kNotBearer:
      return "not a Bearer credential";
    case BearerProblem::kNoCredential:
      return "Bearer without a credential";
    case BearerProblem::kMalformed:
      return "malformed Bearer credential";
  }
  return "?";
}

std::variant<std::string_view, BearerProblem> parse_bearer(std::string_view value) {
  if (value.size() > kMaxAuthorizationSize) return BearerProblem::kTooLong;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u >= 0x7f) return BearerProblem::kBadCharacter;
  }
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  if (value.empty()) return BearerProblem::kMissing;

  size_t scheme_end = 0;
  while (scheme_end < value.size() && !is_space(value[scheme_end])) ++scheme_end;
  if (!iequals(value.substr(0, scheme_end), "bearer")) return BearerProblem::kNotBearer;
  // One space or more: a tab is not a separator here.
  size_t start = scheme_end;
  while (start < value.size() && value[start] == ' ') ++start;
  if (start == value.size()) return BearerProblem::kNoCredential;
  if (start == scheme_end) return BearerProblem::kMalformed;
  std::string_view credential = value.substr(start);
  if (credential.size() > kMaxBearerCredentialSize) return BearerProblem::kTooLong;
  for (char c : credential) {
    if (is_space(c)) return BearerProblem::kMalformed;
  }
  if (!is_b64token(credential)) return BearerProblem::kBadCharacter;
  return credential;
}

}  // namespace slipway::http
