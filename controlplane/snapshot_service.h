#pragma once
// SnapshotService: snapshots of machines' disks and their restore onto other machines, from
// `slipway snapshots create|restore` to the agent's last report.
//
// Capture: create() makes the machine (ready or deployed) snapshotting and opens a capture in
// the library; its next netboot runs the agent in capture mode, which asks capture_for() for the
// snapshot's name, sends the chunks the appliance lacks (missing(), put_chunk()), reports
// progress and ends with complete() (or a "failed" progress). Either way the machine goes back to
// the state it had before.
//
// Restore: restore() checks the snapshot (every chunk re-read and its digest checked) and, when
// the target's inspected disks are known, that its layout fits them, before the target (ready or
// deployed) becomes restoring: a damaged snapshot or a target too small changes nothing. The
// agent in restore mode fetches restore_plan_for() and the chunks, writes the disks and reports;
// "written" makes the machine deployed (its next netboot boots its disk) and carries the
// captured machine's name over when nobody else holds it (see carry_identity), "failed" makes it
// ready again.
//
// Progress is kept in memory (the latest report per machine); state changes are events.
// Thread-safety: one thread (the io_context's).

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mac_address.h"
#include "controlplane/agent_fields.h"
#include "imaging/snapshot_library.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

// Capture stages: "reading", "failed"; restore: "writing", "written", "failed".
using SnapshotProgress = AgentProgress;

class SnapshotService {
 public:
  SnapshotService(inventory::MachineStore& machines, imaging::SnapshotLibrary& library,
                  const Clock& clock);

  // Operator side.
  inventory::Outcome<imaging::SnapshotRecord> create(const std::string& name,
                                                     const std::string& machine_key,
                                                     const std::string& actor);
  inventory::Outcome<nlohmann::json> restore(const std::string& name,
                                             const std::string& machine_key,
                                             const std::string& actor);
  inventory::Outcome<imaging::ChunkCollect> remove(const std::string& name,
                                                   const std::string& actor);

  // Agent side, capture.
  inventory::Outcome<std::string> capture_for(const MacAddress& mac) const;
  inventory::Outcome<std::vector<std::string>> missing(const std::string& name,
                                                       const std::vector<std::string>& sha256s);
  inventory::Outcome<imaging::ChunkPut> put_chunk(const std::string& name,
                                                  const std::string& sha256,
                                                  std::span<const uint8_t> zstd_bytes);
  inventory::Outcome<imaging::SnapshotRecord> capture_progress(const std::string& name,
                                                               const MacAddress& mac,
                                                               const SnapshotProgress& report);
  inventory::Outcome<imaging::SnapshotRecord> complete(const std::string& name,
                                                       const nlohmann::json& manifest);

  // Agent side, restore.
  inventory::Outcome<nlohmann::json> restore_plan_for(const MacAddress& mac) const;
  inventory::Outcome<inventory::Machine> restore_progress(const MacAddress& mac,
                                                          const SnapshotProgress& report);

  // The latest capture or restore report of the machine named `machine`.
  std::optional<SnapshotProgress> progress_of_machine(const std::string& machine) const;
  const imaging::SnapshotLibrary& library() const { return library_; }

 private:
  // The capturing snapshot `name` and its machine, which must be snapshotting.
  inventory::Outcome<inventory::Machine> capturing_machine(const std::string& name) const;
  // The machine goes back to the state it had before the capture.
  inventory::Outcome<inventory::Machine> end_capture(const imaging::SnapshotRecord& snap,
                                                     const std::string& reason);
  void carry_identity(const inventory::Machine& target, const std::string& captured_name);
  void record(const inventory::Machine& m, const std::string& kind, const nlohmann::json& detail);

  inventory::MachineStore& machines_;
  imaging::SnapshotLibrary& library_;
  const Clock& clock_;
  std::map<int64_t, SnapshotProgress> progress_;
};

// The SnapshotRecord as the API shows it.
nlohmann::json to_json(const imaging::SnapshotRecord& r);

}  // namespace slipway::controlplane
