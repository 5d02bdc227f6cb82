#pragma once
// The Authorization header of API and agent requests: "Bearer <credential>" (RFC 6750), pure.
//
// Strict: the scheme is "Bearer" (any case), then one or more spaces, then one b64token
// (letters, digits, - . _ ~ + / and trailing '='), optionally surrounded by spaces or tabs. Any
// other scheme, a missing or second credential, a control character or an over-long value is
// refused with the reason, which is safe to log (it never contains the credential).

#include <cstddef>
#include <string_view>
#include <variant>

namespace slipway::http {

// Longer header values are refused before they are looked at.
inline constexpr size_t kMaxAuthorizationSize = 1024;
// API tokens are 60 characters and agent secrets about 80; anything far longer is not one.
inline constexpr size_t kMaxBearerCredentialSize = 256;

enum class BearerProblem {
  kMissing,       // no header or an empty value
  kTooLong,       // the value or the credential is over its limit
  kBadCharacter,  // a control character, or one a b64token cannot hold
  kNotBearer,     // another scheme (Basic, Digest, ...) or no scheme
  kNoCredential,  // "Bearer" alone
  kMalformed,     // more than one word after the scheme
};
std::string_view to_string(BearerProblem p);

// The credential inside `value` (a view into it), or why there is none.
std::variant<std::string_view, BearerProblem> parse_bearer(std::string_view value);

}  // namespace slipway::http
