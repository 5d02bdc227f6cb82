#pragma once
// What every mode that talks to the appliance about this machine (install, capture, restore)
// is given by main.cpp: where the appliance is, the boot MAC and secret, where /sys and /dev are,
// where filesystems get mounted, and where progress lines go.

#include <functional>
#include <string>

#include "common/mac_address.h"
#include "imaging/agent/cmdline.h"

namespace slipway::imaging::agent {

struct AgentSettings {
  ApplianceUrl appliance;
  MacAddress mac;
  // This boot's agent secret (slipway.secret=): every request to the appliance carries it.
  std::string secret;
  std::string sys_root = "/sys";
  std::string dev_root = "/dev";
  std::string mount_dir = "/mnt/target";
  std::function<void(const std::string&)> say;
};

}  // namespace slipway::imaging::agent
