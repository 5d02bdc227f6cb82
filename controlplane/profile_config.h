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
//       templates:                        # name -> file (relative to slipway.yaml's folder)
//         user-data: templates/web-user-data.tmpl
//         ipxe: /etc/slipway/web.ipxe     # replaces the generated iPXE script
//       ssh_authorized_keys: ["ssh-ed25519 AAAA... ops@example.org"]
//   install:
//     ssh_authorized_keys: ["ssh-ed25519 AAAA... admin@example.org"]   # every machine
//
// Template files are read and parsed at load: a missing file or a syntax error fails the load
// with the YAML position, the file and what ctemplate says.

#include <filesystem>
#include <vector>

#include "boot/machine_templates.h"
#include "boot/profile.h"
#include "common/config_node.h"

namespace slipway::controlplane {

// Relative template paths are relative to `config_dir` (the configuration file's folder).
std::vector<boot::Profile> parse_profiles(const config::ConfigNode& list,
                                          const std::filesystem::path& config_dir);
boot::InstallConfig parse_install_config(const config::ConfigNode& node);

}  // namespace slipway::controlplane
