#pragma once
// InstallService: image-based installs, from `slipway machines install` to the installed OS's
// first-boot callback.
//
//   start()      a ready or deployed machine becomes installing with a profile (given, or the one
//                its selectors choose) whose image is in the library, or an installer profile
//                (its netboot then starts that installer: boot/machine_templates.h); stage
//                pending
//   plan_for()   what the runtime's agent in install mode fetches: the image (URL, SHA-256,
//                format, size), the per-machine files it writes onto the installed system, and
//                for a tarball the boot kit's URLs and the kernel arguments
//   progress()   the agent's progress; "written" moves the stage on (the machine now boots its
//                disk), "failed" ends the install (the machine is ready again)
//   first_boot() the installed OS called back: the machine is deployed
//
// Progress is kept in memory (the latest report per machine); stage changes are events.
// Thread-safety: one thread (the io_context's).

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "boot/agent_secrets.h"
#include "boot/machine_templates.h"
#include "boot/profile.h"
#include "common/clock.h"
#include "common/mac_address.h"
#include "controlplane/agent_fields.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

// Where the boot kit (image/build-boot-kit.sh: GRUB's boot.img and core.img for BIOS,
// BOOTX64.EFI for UEFI) is served: the agent installs it with a root-filesystem tarball.
inline constexpr const char* kBootKitPath = "/assets/bootkit/";

// An image of the library, as an install needs it.
struct InstallImage {
  std::string name;
  std::string sha256;  // of the stored bytes (compressed ones for raw.zst)
  std::string format;  // "raw", "raw.zst" (disk images), "tar", "tar.gz", "tar.zst" (root trees)
  uint64_t size = 0;   // stored bytes
  std::string path;    // URL path on the appliance, e.g. "/images/sha256/<hex>"
};
using ImageLookup = std::function<std::optional<InstallImage>(const std::string& name)>;

// A file the agent writes onto the installed system's root filesystem.
struct InstallFile {
  std::string path;  // absolute, inside the installed system
  std::string content;
  uint32_t mode = 0644;
};
// Per-machine files beyond the built-in ones (hostname, hosts, first-boot settings), e.g. a
// cloud-init seed rendered from the profile's templates. An Error stops the plan.
using ExtraFiles = std::function<Result<std::vector<InstallFile>>(
    const inventory::Machine&, const MacAddress& boot_mac, const boot::Profile&)>;

using InstallProgress = AgentProgress;

class InstallService {
 public:
  // `public_url`: the appliance's base URL as machines reach it (boot.public_url). `secrets`:
  // where the plan's firstboot.env gets the machine's current agent secret (null: none).
  // Everything must outlive the service.
  InstallService(inventory::MachineStore& machines, const std::vector<boot::Profile>& profiles,
                 ImageLookup images, ExtraFiles extra_files, std::string public_url,
                 const Clock& clock, const boot::AgentSecrets* secrets = nullptr);

  // `profile` empty: the profile the machine's selectors choose (explain_profile).
  inventory::Outcome<inventory::Machine> start(const std::string& key, const std::string& profile,
                                               const std::string& actor);
  // The install plan of the installing machine with this MAC (kConflict when it has no pending
  // install).
  inventory::Outcome<nlohmann::json> plan_for(const MacAddress& mac) const;
  inventory::Outcome<inventory::Machine> progress(const MacAddress& mac,
                                                  const InstallProgress& report);
  // `detail`: what the callback said (hostname, machine id...), kept in the event.
  inventory::Outcome<inventory::Machine> first_boot(const std::string& key,
                                                    const nlohmann::json& detail);

  std::optional<InstallProgress> progress_of(int64_t machine_id) const;
  // The machine named by `key` (name, MAC or UUID): what a first-boot callback speaks for.
  std::optional<inventory::Machine> machine(const std::string& key) const {
    return machines_.find(key);
  }

 private:
  const boot::Profile* find_profile(const std::string& name) const;

  inventory::MachineStore& machines_;
  const std::vector<boot::Profile>& profiles_;
  ImageLookup images_;
  ExtraFiles extra_files_;
  std::string public_url_;
  const Clock& clock_;
  const boot::AgentSecrets* secrets_;
  std::map<int64_t, InstallProgress> progress_;
};

// The files every install writes: /etc/hostname, /etc/hosts and /etc/slipway/firstboot.env (the
// test image's first-boot script reads the callback URL, MAC, UUID and the agent secret of the
// boot that installed it there; 0600 since it holds the secret).
std::vector<InstallFile> base_install_files(
    const inventory::Machine& machine, const MacAddress& boot_mac, const std::string& public_url,
    const std::optional<std::string>& agent_secret = std::nullopt);

// The profile's cloud-init NoCloud seed (its `user-data` and `meta-data` templates, else the
// built-in ones) at /var/lib/cloud/seed/nocloud/, and root's authorized_keys (install and
// profile keys) when there are any. `templates` and `install` must outlive the function.
ExtraFiles install_seed_files(const boot::MachineTemplates& templates,
                              const boot::InstallConfig& install);

}  // namespace slipway::controlplane
