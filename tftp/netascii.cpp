#include "tftp/netascii.h"

namespace slipway::tftp {

std::string to_netascii(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    if (c == '\n') {
      out += "\r\n";
    } else if (c == '\r') {
      out.push_back('\r');
      out.push_back('\0');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace slipway::tftp
