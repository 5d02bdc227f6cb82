#pragma once
// The variables a machine's templates see, built from the inventory (machine, interfaces, the
// agent's facts, labels) and the configuration (URLs, SSH keys, profile). Pure. The names are
// documented in boot/README.md ("Template variables"); the main ones:
//
//   HOSTNAME STATE FIRMWARE ARCH UUID? BOOT_MAC BOOT_IP? LAST_IP? DISK? PROFILE? IMAGE?
//   SERVER_URL ASSETS_URL SEED_URL FIRSTBOOT_URL PROGRESS_URL IMAGE_URL? AGENT_SECRET?
//   {{#INTERFACES}} INTERFACE_MAC INTERFACE_IP? INTERFACE_NAME? {{#INTERFACE_BOOT}}
//   {{#DISKS}} DISK_NAME DISK_SIZE_BYTES DISK_MODEL? DISK_SERIAL?
//   {{#LABELS}} LABEL_KEY LABEL_VALUE; LABEL_<KEY> per label
//   {{#SSH_AUTHORIZED_KEYS}} SSH_KEY
//   FACT_<PATH> for every scalar fact ("cpu.threads" -> FACT_CPU_THREADS)
//   HAS_<LIST> (a section shown once when the list has entries), RUNTIME / LOCAL_DISK sections
//   and RUNTIME_KERNEL_URL RUNTIME_INITRD_URL RUNTIME_INITRD_NAME RUNTIME_KERNEL_ARGS (for ipxe)
// ("?": optional, set only when known; use it inside {{#NAME}}..{{/NAME}}).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "boot/boot_config.h"
#include "boot/profile.h"
#include "boot/template_context.h"
#include "common/mac_address.h"
#include "inventory/machine.h"

namespace slipway::boot {

// What the first boot of an installed system calls: <public_url>/api/v1/agent/firstboot.
std::string firstboot_url(const BootConfig& config);
// Where a machine's rendered templates are: <public_url>/boot/templates/<mac>/ (a cloud-init
// NoCloud seed URL: cloud-init appends "user-data" and "meta-data").
std::string seed_url(const BootConfig& config, const MacAddress& mac);
// Where an image of the image library is served: <public_url>/images/<name>.
std::string image_url(const BootConfig& config, const std::string& image);

struct MachineTemplateInputs {
  const inventory::Machine& machine;
  MacAddress boot_mac;               // the interface the machine asks from
  const nlohmann::json& facts;       // the agent's facts object; null when never inspected
  const Profile* profile = nullptr;  // the machine's profile, if it has one
  // Keys for every machine (slipway.yaml install.ssh_authorized_keys); the profile's follow.
  const std::vector<std::string>& ssh_authorized_keys;
  const BootConfig& boot;
  // The machine's current agent secret (ScriptTarget::agent_secret, AgentSecrets::current):
  // AGENT_SECRET, and slipway.secret= in RUNTIME_KERNEL_ARGS. Absent: neither.
  std::optional<std::string> agent_secret = std::nullopt;
};

TemplateContext machine_template_context(const MachineTemplateInputs& in);

}  // namespace slipway::boot
