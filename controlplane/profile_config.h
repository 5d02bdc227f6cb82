#pragma once
// slipway.yaml's `profiles` section (boot/profile.h), validated at load: file:line errors for an
// invalid profile or a selector that could never match.
//
//   profiles:
//     - name: web
//       description: Debian 12 for the web tier
//       image: debian-12                  # or installer: {kernel, initrd, cmdline}
//       select:
//         - priority: 10                  # the highest matching priority wins
//           labels: {role: web}
//           facts: {"cpu.threads": ">= 2", "dmi.vendor": "QEMU*", "memory.total_bytes": ">= 1GiB"}
//           macs: [52:54:00:12:34:56]
//           uuids: [4c4c4544-0042-3510-8050-b4c04f4d3732]

#include <vector>

#include "boot/profile.h"
#include "common/config_node.h"

namespace slipway::controlplane {

std::vector<boot::Profile> parse_profiles(const config::ConfigNode& list);

}  // namespace slipway::controlplane
