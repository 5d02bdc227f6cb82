#pragma once
// What the agent in restore mode is told (GET /api/v1/agent/restore?mac=M,
// controlplane/snapshot_routes.h): the snapshot, its manifest (checked by manifest_from_json), the
// MAC the machine booted with and the captured machine's MACs (for the network fix-up), and the
// boot kit for a firmware change. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"
#include "imaging/agent/install_plan.h"
#include "imaging/snapshot_manifest.h"

namespace slipway::imaging::agent {

inline constexpr size_t kMaxRestoreOrderBytes = 64 << 20;  // a manifest of many chunks

struct RestoreOrder {
  std::string snapshot;
  SnapshotManifest manifest;
  MacAddress boot_mac;
  std::vector<MacAddress> captured_macs;
  std::optional<InstallPlan::Tarball> boot_kit;  // absent: no loader can be installed
};

// Refuses anything malformed, naming the field.
Result<RestoreOrder> parse_restore_order(std::string_view json_text);

}  // namespace slipway::imaging::agent
