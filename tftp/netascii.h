#pragma once
// Netascii (RFC 1350, RFC 764): the text form a "netascii" mode transfer carries. Lines end in
// CR LF and a bare CR is sent as CR NUL. Pure function; the server applies it to a whole file.

#include <string>
#include <string_view>

namespace slipway::tftp {

// LF -> CR LF, CR -> CR NUL; every other byte unchanged. The output is at most twice the input.
std::string to_netascii(std::string_view text);

}  // namespace slipway::tftp
