#pragma once
// The hardware fix-up after a restore onto another machine: network settings that name the
// captured machine's MAC addresses (systemd-networkd [Match] MACAddress=, .link files, udev
// persistent-net rules, netplan match: macaddress:, ifupdown hwaddress) are changed to name the
// MAC the target booted with, so that its interface comes up configured.

#include <string>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"

namespace slipway::imaging::agent {

struct MacReplacement {
  std::string text;
  size_t replaced = 0;
};

// Every MAC in colon form ("52:54:00:ab:cd:ef", any case) that is one of `captured` and stands
// alone (no hex digit or colon right before or after it) becomes `boot`, in upper case where the
// occurrence was. Pure.
MacReplacement replace_macs(std::string_view text, const std::vector<MacAddress>& captured,
                            const MacAddress& boot);

// The files of a mounted root tree that may name MACs, relative to it:
// etc/systemd/network/*.network and *.link, etc/udev/rules.d/*.rules, etc/netplan/*.yaml,
// etc/network/interfaces.
std::vector<std::string> network_config_files(const std::string& root);

// Applies replace_macs to each of network_config_files() that is a regular file (links are not
// followed: they could point out of the tree) and rewrites the ones that changed, keeping their
// mode and owner. Returns the files changed, relative to `root`.
Result<std::vector<std::string>> fix_network_macs(const std::string& root,
                                                  const std::vector<MacAddress>& captured,
                                                  const MacAddress& boot);

}  // namespace slipway::imaging::agent
