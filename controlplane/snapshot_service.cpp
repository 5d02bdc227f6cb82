#include "controlplane/snapshot_service.h"

#include <ctime>

#include "common/log.h"
#include "controlplane/install_service.h"
#include "imaging/snapshot_layout.h"
#include "imaging/snapshot_manifest.h"
#include "inventory/lifecycle.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

using imaging::SnapshotRecord;
using imaging::SnapshotState;
using inventory::conflict;
using inventory::invalid;
using inventory::Machine;
using inventory::MachineState;
using inventory::Outcome;
using inventory::Refusal;
using nlohmann::json;

namespace {

std::string utc_time(int64_t t, const char* format) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

// A machine may move to `to` from where it is, or the refusal that says where it may go.
std::optional<Refusal> cannot_become(const Machine& m, MachineState to) {
  if (inventory::find_transition(m.state, to)) return std::nullopt;
  return conflict(inventory::illegal_transition_message(m.name, m.state, to));
}

// The target's disks and firmware mode as its last inspection saw them; no disks when it was
// never inspected.
std::pair<std::vector<imaging::TargetDisk>, std::string> inspected_disks(const json& facts) {
  std::vector<imaging::TargetDisk> disks;
  if (!facts.is_object()) return {disks, "unknown"};
  for (const auto& d : facts.value("disks", json::array())) {
    if (!d.is_object() || !d.value("name", json()).is_string() ||
        !d.value("size_bytes", json()).is_number_unsigned()) {
      continue;
    }
    disks.push_back({d["name"].get<std::string>(), d["size_bytes"].get<uint64_t>()});
  }
  auto fw = facts.value("firmware", json());
  return {disks, fw.is_string() ? fw.get<std::string>() : "unknown"};
}

std::vector<std::string> captured_macs(const imaging::SnapshotManifest& m) {
  std::vector<std::string> out;
  if (!m.facts.is_object()) return out;
  for (const auto& nic : m.facts.value("nics", json::array())) {
    if (nic.is_object() && nic.value("mac", json()).is_string()) {
      out.push_back(nic["mac"].get<std::string>());
    }
  }
  return out;
}

json plan_json(const imaging::LayoutPlan& plan) {
  json disks = json::array();
  for (const auto& d : plan.disks) {
    json disk = {{"source", d.source}, {"target", d.target}, {"target_bytes", d.target_bytes}};
    if (d.grown) disk["grown_partition"] = *d.grown;
    disk["grow_filesystem"] = d.grow_filesystem;
    disks.push_back(disk);
  }
  return {{"disks", disks}, {"install_loader", plan.install_loader}, {"notes", plan.notes}};
}

}  // namespace

json to_json(const SnapshotRecord& r) {
  json j = {{"name", r.name},
            {"machine", r.machine},
            {"state", std::string(imaging::to_string(r.state))},
            {"previous_state", r.previous_state},
            {"created_at", r.created_at},
            {"completed_at", r.completed_at ? json(*r.completed_at) : json()},
            {"logical_bytes", r.logical_bytes},
            {"stored_bytes", r.stored_bytes},
            {"new_bytes", r.new_bytes},
            {"chunk_count", r.chunk_count},
            {"error", r.error}};
  // How much smaller than the disk content the distinct stored chunks are.
  if (r.stored_bytes > 0) {
    j["dedup_ratio"] = static_cast<double>(r.logical_bytes) / static_cast<double>(r.stored_bytes);
  }
  return j;
}

SnapshotService::SnapshotService(inventory::MachineStore& machines,
                                 imaging::SnapshotLibrary& library, const Clock& clock)
    : machines_(machines), library_(library), clock_(clock) {}

void SnapshotService::record(const Machine& m, const std::string& kind, const json& detail) {
  if (auto s = machines_.record_event(m.id, kind, detail.dump()); !s) {
    log::get("snapshots")->warn("event not recorded kind={} error=\"{}\"", kind, s.error().message);
  }
}

Outcome<SnapshotRecord> SnapshotService::create(const std::string& name,
                                                const std::string& machine_key,
                                                const std::string& actor) {
  auto m = machines_.find(machine_key);
  if (!m) return inventory::unknown_machine(machine_key);
  if (m->state == MachineState::kSnapshotting) {
    if (auto open = library_.capturing(m->name)) return *open;  // resumed
  }
  if (auto why = cannot_become(*m, MachineState::kSnapshotting)) return *why;
  const std::string chosen =
      name.empty() ? m->name + "-" + utc_time(clock_.now(), "%Y%m%d-%H%M%S") : name;
  auto begun = library_.begin(chosen, m->name, std::string(inventory::to_string(m->state)));
  if (!begun) return begun;
  auto moved =
      machines_.transition(m->name, MachineState::kSnapshotting, "snapshot " + chosen, actor);
  if (!moved) {
    (void)library_.remove(chosen);
    return moved.refusal();
  }
  progress_.erase(m->id);
  log::get("snapshots")
      ->info("capture started snapshot={} machine={} actor={}", chosen, m->name, actor);
  return begun;
}

Outcome<Machine> SnapshotService::capturing_machine(const std::string& name) const {
  auto snap = library_.find(name);
  if (!snap) return Refusal{Refusal::Kind::kNotFound, "no snapshot '" + name + "'"};
  if (snap->state != SnapshotState::kCapturing) {
    return conflict("snapshot " + name + " is " + std::string(imaging::to_string(snap->state)) +
                    ", not capturing");
  }
  auto m = machines_.find(snap->machine);
  if (!m) return inventory::unknown_machine(snap->machine);
  if (m->state != MachineState::kSnapshotting) {
    return conflict("machine " + m->name + " is " + std::string(inventory::to_string(m->state)) +
                    ", not snapshotting");
  }
  return *m;
}

Outcome<std::string> SnapshotService::capture_for(const MacAddress& mac) const {
  auto m = machines_.find_by_mac(mac);
  if (!m) return inventory::unknown_machine(mac.to_string());
  auto snap = library_.capturing(m->name);
  if (m->state != MachineState::kSnapshotting || !snap) {
    return conflict("machine " + m->name + " has no snapshot to capture (state " +
                    std::string(inventory::to_string(m->state)) + ")");
  }
  return snap->name;
}

Outcome<std::vector<std::string>> SnapshotService::missing(
    const std::string& name, const std::vector<std::string>& sha256s) {
  if (auto m = capturing_machine(name); !m) return m.refusal();
  return library_.pin(name, sha256s);
}

Outcome<imaging::ChunkPut> SnapshotService::put_chunk(const std::string& name,
                                                      const std::string& sha256,
                                                      std::span<const uint8_t> zstd_bytes) {
  if (auto m = capturing_machine(name); !m) return m.refusal();
  return library_.add_chunk(name, sha256, zstd_bytes);
}

Outcome<Machine> SnapshotService::end_capture(const SnapshotRecord& snap,
                                              const std::string& reason) {
  auto back = inventory::parse_machine_state(snap.previous_state).value_or(MachineState::kReady);
  auto m = machines_.transition(snap.machine, back, reason, "agent");
  if (m) progress_.erase(m->id);
  return m;
}

Outcome<SnapshotRecord> SnapshotService::capture_progress(const std::string& name,
                                                          const MacAddress& mac,
                                                          const SnapshotProgress& report) {
  auto m = capturing_machine(name);
  if (!m) return m.refusal();
  if (!m->interfaces.empty() &&
      std::none_of(m->interfaces.begin(), m->interfaces.end(),
                   [&](const inventory::Interface& i) { return i.mac == mac; })) {
    return conflict("MAC " + mac.to_string() + " is not one of machine " + m->name + "'s");
  }
  SnapshotProgress r = report;
  r.at = clock_.now();
  const bool first = !progress_.contains(m->id) || progress_[m->id].stage != r.stage;
  progress_[m->id] = r;
  json detail = {{"snapshot", name},
                 {"stage", r.stage},
                 {"bytes_done", r.bytes_done},
                 {"bytes_total", r.bytes_total},
                 {"message", r.message}};
  if (r.stage == "failed") {
    log::get("snapshots")
        ->warn("capture failed snapshot={} machine={} reason=\"{}\"", name, m->name, r.message);
    auto failed = library_.fail(name, r.message);
    if (!failed) return failed;
    record(*m, "snapshot.failed", detail);
    if (auto back = end_capture(*failed, "snapshot " + name + " failed: " + r.message); !back) {
      return back.refusal();
    }
    return failed;
  }
  if (first) record(*m, "snapshot.progress", detail);
  return *library_.find(name);
}

Outcome<SnapshotRecord> SnapshotService::complete(const std::string& name, const json& manifest) {
  auto m = capturing_machine(name);
  if (!m) return m.refusal();
  if (!manifest.is_object()) return invalid("the manifest must be a JSON object");
  json doc = manifest;
  doc["name"] = name;
  doc["machine"] = m->name;
  doc["created_at"] = utc_time(clock_.now(), "%Y-%m-%dT%H:%M:%SZ");
  json facts = inventory::facts_object(machines_, *m);
  doc["facts"] = facts.is_object() ? facts : json::object();
  auto parsed = imaging::manifest_from_json(doc);
  if (!parsed) return invalid("manifest: " + parsed.error().message);
  auto done = library_.complete(name, std::move(*parsed));
  if (!done) return done;
  record(*m, "snapshot.complete",
         {{"snapshot", name},
          {"logical_bytes", done->logical_bytes},
          {"stored_bytes", done->stored_bytes},
          {"new_bytes", done->new_bytes}});
  log::get("snapshots")
      ->info("capture complete snapshot={} machine={} logical={} stored={} new={}", name, m->name,
             done->logical_bytes, done->stored_bytes, done->new_bytes);
  if (auto back = end_capture(*done, "snapshot " + name + " complete"); !back) {
    return back.refusal();
  }
  return done;
}

Outcome<json> SnapshotService::restore(const std::string& name, const std::string& machine_key,
                                       const std::string& actor) {
  auto manifest = library_.manifest(name);
  if (!manifest) return manifest.refusal();
  auto target = machines_.find(machine_key);
  if (!target) return inventory::unknown_machine(machine_key);
  if (auto why = cannot_become(*target, MachineState::kRestoring)) return *why;
  json plan;
  auto [disks, firmware] = inspected_disks(inventory::facts_object(machines_, *target));
  if (!disks.empty()) {
    auto fits =
        imaging::plan_layout(imaging::disk_layouts(*manifest), manifest->firmware, disks, firmware);
    if (!fits) {
      return conflict("snapshot " + name + " cannot be restored onto machine " + target->name +
                      ": " + fits.error().message);
    }
    plan = plan_json(*fits);
  }
  auto checked = library_.verify(name);
  if (!checked) return checked.refusal();
  if (!checked->bad.empty()) {
    return conflict("snapshot " + name +
                    " cannot be restored: " + std::to_string(checked->bad.size()) + " of its " +
                    std::to_string(checked->checked) + " chunks are unusable; the first: " +
                    checked->bad.front() + " (`slipway snapshots verify " + name +
                    "` lists them); machine " + target->name + " was not touched");
  }
  auto started = library_.start_restore(name, target->id);
  if (!started) return started.refusal();
  auto moved = machines_.transition(target->name, MachineState::kRestoring,
                                    "restore of snapshot " + name, actor);
  if (!moved) {
    (void)library_.end_restore(target->id);
    return moved.refusal();
  }
  progress_.erase(target->id);
  log::get("snapshots")
      ->info("restore started snapshot={} machine={} actor={}", name, target->name, actor);
  return json{{"machine", inventory::to_json(*moved)}, {"snapshot", name}, {"plan", plan}};
}

Outcome<json> SnapshotService::restore_plan_for(const MacAddress& mac) const {
  auto m = machines_.find_by_mac(mac);
  if (!m) return inventory::unknown_machine(mac.to_string());
  auto snap = library_.restore_for(m->id);
  if (m->state != MachineState::kRestoring || !snap) {
    return conflict("machine " + m->name + " has no restore pending (state " +
                    std::string(inventory::to_string(m->state)) + ")");
  }
  auto manifest = library_.manifest(snap->name);
  if (!manifest) return manifest.refusal();
  return json{{"snapshot", snap->name},
              {"manifest", imaging::to_json(*manifest)},
              {"boot_mac", mac.to_string()},
              {"captured_macs", captured_macs(*manifest)},
              {"boot_kit",
               {{"boot_img", std::string(kBootKitPath) + "boot.img"},
                {"core_img", std::string(kBootKitPath) + "core.img"},
                {"efi_loader", std::string(kBootKitPath) + "BOOTX64.EFI"},
                {"kernel_args", ""}}}};
}

Outcome<Machine> SnapshotService::restore_progress(const MacAddress& mac,
                                                   const SnapshotProgress& report) {
  auto m = machines_.find_by_mac(mac);
  if (!m) return inventory::unknown_machine(mac.to_string());
  auto snap = library_.restore_for(m->id);
  if (m->state != MachineState::kRestoring || !snap) {
    return conflict("machine " + m->name + " is not restoring");
  }
  SnapshotProgress r = report;
  r.at = clock_.now();
  const bool first = !progress_.contains(m->id) || progress_[m->id].stage != r.stage;
  progress_[m->id] = r;
  json detail = {{"snapshot", snap->name},
                 {"stage", r.stage},
                 {"bytes_done", r.bytes_done},
                 {"bytes_total", r.bytes_total},
                 {"message", r.message}};
  if (r.stage == "written" || r.stage == "failed") {
    const bool written = r.stage == "written";
    auto moved = machines_.transition(
        m->name, written ? MachineState::kDeployed : MachineState::kReady,
        "restore of snapshot " + snap->name + (written ? " written" : " failed: " + r.message),
        "agent");
    if (!moved) return moved;
    (void)library_.end_restore(m->id);
    record(*moved, written ? "snapshot.restored" : "snapshot.restore_failed", detail);
    if (!written) {
      log::get("snapshots")
          ->warn("restore failed snapshot={} machine={} reason=\"{}\"", snap->name, m->name,
                 r.message);
      return moved;
    }
    log::get("snapshots")->info("restore written snapshot={} machine={}", snap->name, m->name);
    if (auto manifest = library_.manifest(snap->name)) carry_identity(*moved, manifest->machine);
    return *machines_.find_by_mac(mac);
  }
  if (first) record(*m, "snapshot.restore_progress", detail);
  return *m;
}

// The restored system calls itself what the captured machine was called; the inventory follows
// when it can: the target takes the captured machine's name if no machine has it, or if the one
// that has it is retired (that one is renamed "<name>-retired-<id>"). Otherwise the name stays
// and the event says why.
void SnapshotService::carry_identity(const Machine& target, const std::string& captured_name) {
  if (captured_name.empty() || captured_name == target.name) return;
  auto holder = machines_.find(captured_name);
  if (holder && holder->id != target.id) {
    if (holder->state != MachineState::kRetired) {
      record(target, "snapshot.identity",
             {{"kept", target.name},
              {"reason", "machine " + captured_name + " still exists and is " +
                             std::string(inventory::to_string(holder->state)) +
                             "; retire it, then rename this one"}});
      return;
    }
    std::string aside = captured_name.substr(0, 40) + "-retired-" + std::to_string(holder->id);
    if (auto r = machines_.rename(holder->name, aside, "restore"); !r) {
      record(target, "snapshot.identity", {{"kept", target.name}, {"reason", r.refusal().message}});
      return;
    }
  }
  if (auto r = machines_.rename(target.name, captured_name, "restore"); !r) {
    record(target, "snapshot.identity", {{"kept", target.name}, {"reason", r.refusal().message}});
  }
}

Outcome<imaging::ChunkCollect> SnapshotService::remove(const std::string& name,
                                                       const std::string& actor) {
  auto snap = library_.find(name);
  if (snap && snap->state == SnapshotState::kCapturing) {
    if (auto m = machines_.find(snap->machine); m && m->state == MachineState::kSnapshotting) {
      return conflict("snapshot " + name + " is being captured from machine " + m->name +
                      "; it can be deleted once that capture has ended");
    }
  }
  auto gone = library_.remove(name);
  if (gone) {
    log::get("snapshots")
        ->info("snapshot deleted name={} actor={} chunks_removed={} bytes={}", name, actor,
               gone->removed, gone->removed_bytes);
  }
  return gone;
}

std::optional<SnapshotProgress> SnapshotService::progress_of_machine(
    const std::string& machine) const {
  auto m = machines_.find(machine);
  if (!m) return std::nullopt;
  auto it = progress_.find(m->id);
  if (it == progress_.end()) return std::nullopt;
  return it->second;
}

}  // namespace slipway::controlplane
