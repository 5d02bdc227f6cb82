#include "inventory/sqlite_machine_store.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

namespace slipway::inventory {
namespace {

constexpr std::array<std::string_view, 4> kMigrations = {
    "CREATE TABLE machines ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " uuid TEXT UNIQUE,"
    " state TEXT NOT NULL,"
    " firmware TEXT NOT NULL,"
    " arch TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " agent_reported_at INTEGER,"
    " agent_event TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE interfaces ("
    " mac TEXT PRIMARY KEY,"
    " machine_id INTEGER NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
    " firmware TEXT NOT NULL,"
    " arch TEXT NOT NULL,"
    " vendor_class TEXT NOT NULL DEFAULT '',"
    " last_ip TEXT,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL);"
    "CREATE INDEX interfaces_by_machine ON interfaces(machine_id);"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " machine_id INTEGER REFERENCES machines(id) ON DELETE SET NULL,"
    " kind TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX events_by_machine ON events(machine_id, id);",
    "ALTER TABLE machines ADD COLUMN awaiting_approval INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE labels ("
    " machine_id INTEGER NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
    " key TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " PRIMARY KEY(machine_id, key));",
    // Column names differ from machines' so that kMachineColumns can join without prefixes.
    "CREATE TABLE facts ("
    " machine_id INTEGER PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,"
    " inspected_at INTEGER NOT NULL,"
    " vendor TEXT NOT NULL,"
    " product TEXT NOT NULL,"
    " serial TEXT NOT NULL,"
    " cpu_threads INTEGER NOT NULL,"
    " memory_bytes INTEGER NOT NULL,"
    " disk_bytes INTEGER NOT NULL,"
    " disk_count INTEGER NOT NULL,"
    " facts_json TEXT NOT NULL);",
    "ALTER TABLE machines ADD COLUMN profile TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE machines ADD COLUMN install_stage TEXT NOT NULL DEFAULT 'none';",
};

constexpr std::string_view kMachineColumns =
    "SELECT id, name, uuid, state, firmware, arch, first_seen, last_seen, agent_reported_at,"
    " agent_event, awaiting_approval, inspected_at, vendor, product, serial, cpu_threads,"
    " memory_bytes, disk_bytes, disk_count, profile, install_stage FROM machines LEFT JOIN facts "
    "ON machine_id = id ";

std::string contact_detail(const Contact& c) {
  nlohmann::json d = {{"mac", c.mac.to_string()}, {"source", c.source}};
  if (c.uuid) d["uuid"] = c.uuid->to_string();
  if (c.firmware != Firmware::kUnknown) d["firmware"] = to_string(c.firmware);
  return d.dump();
}

Arch parse_arch(std::string_view text) {
  for (Arch a : {Arch::kX86, Arch::kX86_64, Arch::kArm32, Arch::kArm64}) {
    if (to_string(a) == text) return a;
  }
  return Arch::kUnknown;
}

}  // namespace

SqliteMachineStore::SqliteMachineStore(sqlite::Database& db, const Clock& clock)
    : db_(db), clock_(clock) {
  sqlite::migrate(db_, "inventory", kMigrations);
  for (const auto& m : list()) remember_names(m);
}

void SqliteMachineStore::remember_names(const Machine& m) {
  for (const auto& i : m.interfaces) name_by_mac_[i.mac] = m.name;
  if (m.uuid) name_by_uuid_[*m.uuid] = m.name;
}

std::optional<std::string> SqliteMachineStore::name_for(const MacAddress& mac,
                                                        const std::optional<Uuid>& uuid) const {
  if (auto it = name_by_mac_.find(mac); it != name_by_mac_.end()) return it->second;
  if (uuid) {
    if (auto it = name_by_uuid_.find(*uuid); it != name_by_uuid_.end()) return it->second;
  }
  return std::nullopt;
}

void SqliteMachineStore::add_event(std::optional<int64_t> machine_id, const std::string& kind,
                                   const std::string& detail, int64_t now) {
  auto q = db_.prepare("INSERT INTO events(time, machine_id, kind, detail) VALUES(?, ?, ?, ?)");
  q.bind(1, now).bind(2, machine_id).bind(3, kind).bind(4, detail);
  q.run();
}

int64_t SqliteMachineStore::create_machine(const Contact& c, int64_t now) {
  std::string base = default_machine_name(c.mac);
  std::string name = base;
  for (int suffix = 2;; ++suffix) {
    auto taken = db_.prepare("SELECT 1 FROM machines WHERE name = ?");
    taken.bind(1, name);
    if (!taken.step()) break;
    name = base + "-" + std::to_string(suffix);
  }
  auto q = db_.prepare(
      "INSERT INTO machines(name, uuid, state, firmware, arch, first_seen, last_seen)"
      " VALUES(?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, name)
      .bind(2, c.uuid ? std::optional<std::string>(c.uuid->to_string()) : std::nullopt)
      .bind(3, to_string(MachineState::kDiscovered))
      .bind(4, to_string(c.firmware))
      .bind(5, to_string(c.arch))
      .bind(6, now)
      .bind(7, now);
  q.run();
  int64_t id = db_.last_insert_rowid();
  add_event(id, "machine.discovered", contact_detail(c), now);
  return id;
}

int64_t SqliteMachineStore::upsert_contact(const Contact& contact, int64_t now) {
  // A placeholder UUID (all zero, all FF, vendor defaults) identifies nothing, whoever sent it.
  Contact c = contact;
  if (c.uuid && !c.uuid->is_identity()) c.uuid.reset();
  std::optional<int64_t> by_uuid;
  if (c.uuid) {
    auto q = db_.prepare("SELECT id FROM machines WHERE uuid = ?");
    q.bind(1, c.uuid->to_string());
    if (q.step()) by_uuid = q.int64(0);
  }
  std::optional<int64_t> owner;
  std::optional<std::string> owner_uuid;
  {
    auto q = db_.prepare(
        "SELECT i.machine_id, m.uuid FROM interfaces i JOIN machines m ON m.id = i.machine_id"
        " WHERE i.mac = ?");
    q.bind(1, c.mac.to_string());
    if (q.step()) {
      owner = q.int64(0);
      owner_uuid = q.optional_text(1);
    }
  }

  int64_t id;
  if (by_uuid) {
    id = *by_uuid;
  } else if (owner && !(c.uuid && owner_uuid && *owner_uuid != c.uuid->to_string())) {
    id = *owner;
    if (c.uuid && !owner_uuid) {
      auto q = db_.prepare("UPDATE machines SET uuid = ? WHERE id = ?");
      q.bind(1, c.uuid->to_string()).bind(2, id);
      q.run();
      add_event(id, "machine.identified", contact_detail(c), now);
    }
  } else {
    id = create_machine(c, now);
  }

  if (owner && *owner != id) {
    add_event(id, "interface.moved",
              nlohmann::json({{"mac", c.mac.to_string()}, {"from_machine", *owner}}).dump(), now);
  } else if (!owner) {
    add_event(id, "interface.added", nlohmann::json({{"mac", c.mac.to_string()}}).dump(), now);
  }
  auto iface = db_.prepare(
      "INSERT INTO interfaces(mac, machine_id, firmware, arch, vendor_class, last_ip, first_seen,"
      " last_seen) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
      " ON CONFLICT(mac) DO UPDATE SET machine_id = ?2,"
      " firmware = CASE WHEN ?3 = 'unknown' THEN firmware ELSE ?3 END,"
      " arch = CASE WHEN ?4 = 'unknown' THEN arch ELSE ?4 END,"
      " vendor_class = CASE WHEN ?5 = '' THEN vendor_class ELSE ?5 END,"
      " last_ip = COALESCE(?6, last_ip), last_seen = ?7");
  iface.bind(1, c.mac.to_string())
      .bind(2, id)
      .bind(3, to_string(c.firmware))
      .bind(4, to_string(c.arch))
      .bind(5, c.vendor_class)
      .bind(6, c.ip ? std::optional<std::string>(c.ip->to_string()) : std::nullopt)
      .bind(7, now);
  iface.run();

  auto touch = db_.prepare(
      "UPDATE machines SET last_seen = ?2,"
      " firmware = CASE WHEN ?3 = 'unknown' THEN firmware ELSE ?3 END,"
      " arch = CASE WHEN ?4 = 'unknown' THEN arch ELSE ?4 END WHERE id = ?1");
  touch.bind(1, id).bind(2, now).bind(3, to_string(c.firmware)).bind(4, to_string(c.arch));
  touch.run();
  return id;
}

Result<Machine> SqliteMachineStore::committed(int64_t id) {
  auto m = load(id);
  if (!m) return Error{"machine vanished after commit"};
  remember_names(*m);
  return *m;
}

Result<Machine> SqliteMachineStore::record_contact(const Contact& contact) {
  try {
    sqlite::Transaction tx(db_);
    int64_t id = upsert_contact(contact, clock_.now());
    tx.commit();
    return committed(id);
  } catch (const sqlite::Error& e) {
    return Error{std::string("inventory: ") + e.what()};
  }
}

int64_t SqliteMachineStore::agent_event(const Contact& contact, const std::string& event,
                                        int64_t now) {
  int64_t id = upsert_contact(contact, now);
  auto q = db_.prepare("UPDATE machines SET agent_reported_at = ?, agent_event = ? WHERE id = ?");
  q.bind(1, now).bind(2, event).bind(3, id);
  q.run();
  add_event(id, "agent." + event, contact_detail(contact), now);
  // A discovered machine whose runtime is up is being inspected (DESIGN.md, boot flow step 3).
  auto m = load(id);
  if (event == "booted" && m && m->state == MachineState::kDiscovered) {
    set_state(*m, MachineState::kInspecting, "the runtime's agent booted", "agent", now);
  }
  return id;
}

Result<Machine> SqliteMachineStore::record_agent_event(const Contact& contact,
                                                       const std::string& event) {
  try {
    sqlite::Transaction tx(db_);
    int64_t id = agent_event(contact, event, clock_.now());
    tx.commit();
    return committed(id);
  } catch (const sqlite::Error& e) {
    return Error{std::string("inventory: ") + e.what()};
  }
}

Result<Machine> SqliteMachineStore::record_agent_report(const Contact& contact,
                                                        const std::string& event,
                                                        const Inspection& inspection,
                                                        const EnrollmentConfig& enrollment) {
  try {
    sqlite::Transaction tx(db_);
    int64_t now = clock_.now();
    int64_t id = agent_event(contact, event, now);
    auto m = load(id);
    if (!m) return Error{"inventory: the reporting machine vanished"};
    store_facts(*m, inspection, now);
    if (m->state == MachineState::kInspecting && !m->awaiting_approval) {
      auto with_nics = load(id);
      enroll(with_nics ? *with_nics : *m, inspection, enrollment, "agent", now);
    }
    tx.commit();
    // A rename keeps the machine's MACs and UUID: remembering them again replaces the old name.
    return committed(id);
  } catch (const sqlite::Error& e) {
    return Error{std::string("inventory: ") + e.what()};
  }
}

std::vector<Machine> SqliteMachineStore::load_where(const std::string& where,
                                                    const std::string& arg) const {
  std::vector<Machine> out;
  auto q = db_.prepare(std::string(kMachineColumns) + where);
  if (!arg.empty()) q.bind(1, arg);
  while (q.step()) {
    Machine m;
    m.id = q.int64(0);
    m.name = q.text(1);
    if (auto u = q.optional_text(2)) m.uuid = Uuid::parse(*u);
    m.state = parse_machine_state(q.text(3)).value_or(MachineState::kDiscovered);
    m.firmware = parse_firmware(q.text(4)).value_or(Firmware::kUnknown);
    m.arch = parse_arch(q.text(5));
    m.first_seen = q.int64(6);
    m.last_seen = q.int64(7);
    m.agent_reported_at = q.optional_int64(8);
    m.agent_event = q.text(9);
    m.awaiting_approval = q.int64(10) != 0;
    if (auto inspected = q.optional_int64(11)) {
      m.facts = FactsSummary{q.text(12),
                             q.text(13),
                             q.text(14),
                             static_cast<uint32_t>(q.int64(15)),
                             static_cast<uint64_t>(q.int64(16)),
                             static_cast<uint64_t>(q.int64(17)),
                             static_cast<uint32_t>(q.int64(18)),
                             *inspected};
    }
    m.profile = q.text(19);
    m.install_stage = parse_install_stage(q.text(20)).value_or(InstallStage::kNone);
    out.push_back(std::move(m));
  }
  // Labels and interfaces: per machine for a few, else one pass over each table (a list of
  // thousands of machines must not cost thousands of queries).
  std::unordered_map<int64_t, Machine*> by_id;
  for (auto& m : out) by_id[m.id] = &m;
  const bool few = out.size() <= 4;
  const std::string scope = few ? " WHERE machine_id = ?1" : "";
  auto lq = db_.prepare("SELECT machine_id, key, value FROM labels" + scope +
                        " ORDER BY machine_id, key");
  auto iq = db_.prepare(
      "SELECT machine_id, mac, firmware, arch, vendor_class, last_ip, first_seen, last_seen"
      " FROM interfaces" +
      scope + " ORDER BY machine_id, first_seen, mac");
  auto read_rows = [&](std::optional<int64_t> id) {
    if (id) lq.bind(1, *id);
    while (lq.step()) {
      auto it = by_id.find(lq.int64(0));
      if (it != by_id.end()) it->second->labels[lq.text(1)] = lq.text(2);
    }
    lq.reset();
    if (id) iq.bind(1, *id);
    while (iq.step()) {
      auto it = by_id.find(iq.int64(0));
      if (it == by_id.end()) continue;
      Interface i;
      i.mac = MacAddress::parse(iq.text(1)).value_or(MacAddress{});
      i.firmware = parse_firmware(iq.text(2)).value_or(Firmware::kUnknown);
      i.arch = parse_arch(iq.text(3));
      i.vendor_class = iq.text(4);
      if (auto ip = iq.optional_text(5)) i.last_ip = Ipv4::parse(*ip);
      i.first_seen = iq.int64(6);
      i.last_seen = iq.int64(7);
      it->second->interfaces.push_back(std::move(i));
    }
    iq.reset();
  };
  if (few) {
    for (const auto& m : out) read_rows(m.id);
  } else {
    read_rows(std::nullopt);
  }
  return out;
}

std::optional<Machine> SqliteMachineStore::load(int64_t id) const {
  auto found = load_where("WHERE id = ?", std::to_string(id));
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<Machine> SqliteMachineStore::find_by_mac(const MacAddress& mac) const {
  auto found =
      load_where("WHERE id = (SELECT machine_id FROM interfaces WHERE mac = ?)", mac.to_string());
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<Machine> SqliteMachineStore::find_by_uuid(const Uuid& uuid) const {
  auto found = load_where("WHERE uuid = ?", uuid.to_string());
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Machine> SqliteMachineStore::list() const { return load_where("ORDER BY id", ""); }

std::vector<Event> SqliteMachineStore::events(std::optional<int64_t> machine_id,
                                              size_t limit) const {
  // Two statements: "?1 IS NULL OR machine_id = ?1" would not use the index on machine_id.
  auto q = db_.prepare(machine_id ? "SELECT id, time, machine_id, kind, detail FROM events"
                                    " WHERE machine_id = ?1 ORDER BY id DESC LIMIT ?2"
                                  : "SELECT id, time, machine_id, kind, detail FROM events"
                                    " ORDER BY id DESC LIMIT ?2");
  if (machine_id) q.bind(1, *machine_id);
  q.bind(2, static_cast<int64_t>(limit));
  std::vector<Event> out;
  while (q.step()) {
    out.push_back({q.int64(0), q.int64(1), q.optional_int64(2), q.text(3), q.text(4)});
  }
  return out;
}

Status SqliteMachineStore::record_event(std::optional<int64_t> machine_id, const std::string& kind,
                                        const std::string& detail) {
  try {
    add_event(machine_id, kind, detail, clock_.now());
    return {};
  } catch (const sqlite::Error& e) {
    return Error{std::string("inventory: ") + e.what()};
  }
}

Refusal unknown_machine(const std::string& key) {
  return {Refusal::Kind::kNotFound, "no machine '" + key + "' (looked up by name, MAC and UUID)"};
}

Refusal conflict(std::string message) { return {Refusal::Kind::kConflict, std::move(message)}; }
Refusal invalid(std::string message) { return {Refusal::Kind::kInvalid, std::move(message)}; }

// Operator operations. Each runs in one transaction: a refusal returns before commit, so the
// Transaction's destructor rolls back anything done so far.

namespace {

Refusal storage(const sqlite::Error& e) {
  return {Refusal::Kind::kStorage, std::string("inventory: ") + e.what()};
}

std::string installing_message(const Machine& m, std::string_view what) {
  return "machine " + m.name + " is installing; it cannot be " + std::string(what) +
         " until the install ends";
}

}  // namespace

void SqliteMachineStore::set_state(const Machine& m, MachineState to, const std::string& reason,
                                   const std::string& actor, int64_t now) {
  // Only an installing machine has an install stage.
  auto q = db_.prepare(
      "UPDATE machines SET state = ?, awaiting_approval = 0,"
      " install_stage = CASE WHEN ?1 = 'installing' THEN install_stage ELSE 'none' END"
      " WHERE id = ?");
  q.bind(1, to_string(to)).bind(2, m.id);
  q.run();
  add_event(m.id, "machine.state",
            nlohmann::json({{"from", to_string(m.state)},
                            {"to", to_string(to)},
                            {"reason", reason},
                            {"actor", actor}})
                .dump(),
            now);
}

void SqliteMachineStore::reload_names() {
  name_by_mac_.clear();
  name_by_uuid_.clear();
  for (const auto& m : list()) remember_names(m);
}

std::optional<Machine> SqliteMachineStore::find(const std::string& key) const {
  auto found = load_where("WHERE name = ?", key);
  if (!found.empty()) return found.front();
  if (auto mac = MacAddress::parse(key)) return find_by_mac(*mac);
  if (auto uuid = Uuid::parse(key)) return find_by_uuid(*uuid);
  return std::nullopt;
}

std::vector<Machine> SqliteMachineStore::list(const MachineFilter& filter) const {
  std::vector<Machine> out;
  for (auto& m : list()) {
    if (filter.state && m.state != *filter.state) continue;
    bool match = true;
    for (const auto& [key, value] : filter.labels) {
      auto it = m.labels.find(key);
      if (it == m.labels.end() || (value && it->second != *value)) match = false;
    }
    if (match) out.push_back(std::move(m));
  }
  return out;
}

template <typename Op>
Outcome<Machine> SqliteMachineStore::change(const std::string& key, Op op) {
  try {
    sqlite::Transaction tx(db_);
    auto m = find(key);
    if (!m) return unknown_machine(key);
    std::optional<Refusal> refused = op(*m, clock_.now());
    if (refused) return *refused;
    tx.commit();
    reload_names();
    auto after = load(m->id);
    return after ? *after : *m;  // gone after forget: the machine as it was
  } catch (const sqlite::Error& e) {
    return storage(e);
  }
}

Outcome<Machine> SqliteMachineStore::transition(const std::string& key, MachineState to,
                                                const std::string& reason,
                                                const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    const Transition* t = find_transition(m.state, to);
    if (!t) return conflict(illegal_transition_message(m.name, m.state, to));
    if (t->gate == Gate::kEnrollment) {
      return conflict("machine " + m.name + " is " + std::string(to_string(m.state)) +
                      "; it becomes " + std::string(to_string(to)) +
                      " only through enrollment: the auto policy once inspected, or `slipway "
                      "machines approve " +
                      m.name + "`");
    }
    set_state(m, to, reason.empty() ? std::string(t->meaning) : reason, actor, now);
    return std::nullopt;
  });
}

void SqliteMachineStore::finish(const Machine& m, EnrollmentPolicy policy, const std::string& actor,
                                int64_t now) {
  if (policy == EnrollmentPolicy::kAuto) {
    set_state(m, MachineState::kReady, "inspected; enrollment policy auto", actor, now);
    return;
  }
  auto q = db_.prepare("UPDATE machines SET awaiting_approval = 1 WHERE id = ?");
  q.bind(1, m.id);
  q.run();
  add_event(m.id, "machine.awaiting_approval",
            nlohmann::json({{"policy", to_string(policy)}, {"actor", actor}}).dump(), now);
}

Outcome<Machine> SqliteMachineStore::finish_inspection(const std::string& key,
                                                       EnrollmentPolicy policy,
                                                       const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state != MachineState::kInspecting) {
      return conflict("machine " + m.name + " is " + std::string(to_string(m.state)) +
                      ", not inspecting: there is no inspection to finish");
    }
    finish(m, policy, actor, now);
    return std::nullopt;
  });
}

void SqliteMachineStore::store_facts(const Machine& m, const Inspection& in, int64_t now) {
  const FactsSummary& f = in.summary;
  auto q = db_.prepare(
      "INSERT OR REPLACE INTO facts(machine_id, inspected_at, vendor, product, serial,"
      " cpu_threads, memory_bytes, disk_bytes, disk_count, facts_json)"
      " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, m.id)
      .bind(2, now)
      .bind(3, f.vendor)
      .bind(4, f.product)
      .bind(5, f.serial)
      .bind(6, static_cast<int64_t>(f.cpu_threads))
      .bind(7, static_cast<int64_t>(f.memory_bytes))
      .bind(8, static_cast<int64_t>(f.disk_bytes))
      .bind(9, static_cast<int64_t>(f.disks))
      .bind(10, in.facts_json);
  q.run();
  // NICs the machine has but never booted from: attached, unless another machine has them (a
  // NIC moves only by a contact, which carries identity).
  auto add = db_.prepare(
      "INSERT INTO interfaces(mac, machine_id, firmware, arch, first_seen, last_seen)"
      " VALUES(?1, ?2, 'unknown', 'unknown', ?3, ?3) ON CONFLICT(mac) DO NOTHING");
  for (const auto& mac : in.nic_macs) {
    add.bind(1, mac.to_string()).bind(2, m.id).bind(3, now);
    add.run();
    add.reset();
    if (db_.changes() > 0) {
      add_event(m.id, "interface.added",
                nlohmann::json({{"mac", mac.to_string()}, {"source", "inspection"}}).dump(), now);
    }
  }
  add_event(m.id, "machine.inspected",
            nlohmann::json({{"vendor", f.vendor},
                            {"product", f.product},
                            {"serial", f.serial},
                            {"cpu_threads", f.cpu_threads},
                            {"memory_bytes", f.memory_bytes},
                            {"disk_bytes", f.disk_bytes},
                            {"disks", f.disks}})
                .dump(),
            now);
}

std::string SqliteMachineStore::free_name(const std::string& base, int64_t own_id) {
  auto taken = db_.prepare("SELECT 1 FROM machines WHERE name = ? AND id != ?");
  std::string name = base;
  for (int suffix = 2;; ++suffix) {
    taken.bind(1, name).bind(2, own_id);
    bool used = taken.step();
    taken.reset();
    if (!used) return name;
    std::string tail = "-" + std::to_string(suffix);
    name = base.substr(0, 63 - tail.size()) + tail;
  }
}

void SqliteMachineStore::enroll(const Machine& m, const Inspection& in,
                                const EnrollmentConfig& enrollment, const std::string& actor,
                                int64_t now) {
  EnrollmentSubject subject{
      in.summary.vendor, in.summary.product, in.summary.serial, in.boot_mac, {}};
  for (const auto& i : m.interfaces) subject.macs.push_back(i.mac);
  EnrollmentDecision d = decide_enrollment(enrollment.rules, subject);
  nlohmann::json detail = {{"rules", d.matched}, {"actor", actor}};
  if (d.name && has_default_name(m)) {
    std::string name = free_name(*d.name, m.id);
    if (name != m.name) {
      auto q = db_.prepare("UPDATE machines SET name = ? WHERE id = ?");
      q.bind(1, name).bind(2, m.id);
      q.run();
      detail["name"] = {{"from", m.name}, {"to", name}};
    }
  }
  nlohmann::json added = nlohmann::json::object();
  auto put = db_.prepare("INSERT OR IGNORE INTO labels(machine_id, key, value) VALUES(?, ?, ?)");
  for (const auto& [k, v] : d.labels) {
    put.bind(1, m.id).bind(2, k).bind(3, v);
    put.run();
    put.reset();
    if (db_.changes() > 0) added[k] = v;
  }
  detail["labels"] = added;
  add_event(m.id, "machine.enrolled", detail.dump(), now);
  finish(m, enrollment.policy, actor, now);
}

std::optional<std::string> SqliteMachineStore::facts_json(int64_t machine_id) const {
  auto q = db_.prepare("SELECT facts_json FROM facts WHERE machine_id = ?");
  q.bind(1, machine_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

Outcome<Machine> SqliteMachineStore::approve(const std::string& key, const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state == MachineState::kReady) return conflict("machine " + m.name + " is already ready");
    if (m.state != MachineState::kInspecting) {
      return conflict(illegal_transition_message(m.name, m.state, MachineState::kReady));
    }
    if (!m.awaiting_approval) {
      return conflict("machine " + m.name +
                      " is inspecting and its inspection has not finished; approve it once the "
                      "agent has reported");
    }
    set_state(m, MachineState::kReady, "approved", actor, now);
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::rename(const std::string& key, const std::string& new_name,
                                            const std::string& actor) {
  if (auto why = invalid_machine_name(new_name)) {
    return Refusal{Refusal::Kind::kInvalid, "cannot rename to '" + new_name + "': " + *why};
  }
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.name == new_name) return std::nullopt;
    auto taken = db_.prepare("SELECT 1 FROM machines WHERE name = ?");
    taken.bind(1, new_name);
    if (taken.step()) {
      return conflict("cannot rename " + m.name + ": the name " + new_name +
                      " belongs to another machine");
    }
    auto q = db_.prepare("UPDATE machines SET name = ? WHERE id = ?");
    q.bind(1, new_name).bind(2, m.id);
    q.run();
    add_event(m.id, "machine.renamed",
              nlohmann::json({{"from", m.name}, {"to", new_name}, {"actor", actor}}).dump(), now);
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::label(const std::string& key,
                                           const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& remove,
                                           const std::string& actor) {
  for (const auto& [k, v] : set) {
    if (auto why = invalid_label(k, v)) return Refusal{Refusal::Kind::kInvalid, *why};
  }
  for (const auto& k : remove) {
    if (auto why = invalid_label(k, "")) return Refusal{Refusal::Kind::kInvalid, *why};
    if (set.count(k)) {
      return Refusal{Refusal::Kind::kInvalid, "label '" + k + "' is both set and removed"};
    }
  }
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    auto del = db_.prepare("DELETE FROM labels WHERE machine_id = ? AND key = ?");
    for (const auto& k : remove) {
      del.bind(1, m.id).bind(2, k);
      del.run();
      del.reset();
    }
    auto put = db_.prepare(
        "INSERT INTO labels(machine_id, key, value) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(machine_id, key) DO UPDATE SET value = ?3");
    for (const auto& [k, v] : set) {
      put.bind(1, m.id).bind(2, k).bind(3, v);
      put.run();
      put.reset();
    }
    add_event(m.id, "machine.labelled",
              nlohmann::json({{"set", set}, {"remove", remove}, {"actor", actor}}).dump(), now);
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::forget(const std::string& key, const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state == MachineState::kInstalling) return conflict(installing_message(m, "forgotten"));
    nlohmann::json macs = nlohmann::json::array();
    for (const auto& i : m.interfaces) macs.push_back(i.mac.to_string());
    // Recorded without a machine id: the machine is gone, its earlier events stay, detached.
    add_event(std::nullopt, "machine.forgotten",
              nlohmann::json({{"machine_id", m.id},
                              {"name", m.name},
                              {"uuid", m.uuid ? nlohmann::json(m.uuid->to_string()) : nullptr},
                              {"macs", macs},
                              {"actor", actor}})
                  .dump(),
              now);
    auto q = db_.prepare("DELETE FROM machines WHERE id = ?");
    q.bind(1, m.id);
    q.run();
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::merge(const std::string& from_key, const std::string& into_key,
                                           const std::string& actor) {
  auto from = find(from_key);
  if (!from) return unknown_machine(from_key);
  return change(into_key, [&](const Machine& into, int64_t now) -> std::optional<Refusal> {
    if (from->id == into.id) {
      return Refusal{Refusal::Kind::kInvalid, "cannot merge " + into.name + " into itself: '" +
                                                  from_key + "' and '" + into_key +
                                                  "' are the same machine"};
    }
    for (const Machine* m : {static_cast<const Machine*>(&*from), &into}) {
      if (m->state == MachineState::kInstalling) return conflict(installing_message(*m, "merged"));
    }
    auto run = [&](const char* sql) {
      auto q = db_.prepare(sql);
      q.bind(1, from->id).bind(2, into.id);
      q.run();
    };
    run("UPDATE interfaces SET machine_id = ?2 WHERE machine_id = ?1");
    run("INSERT OR IGNORE INTO labels(machine_id, key, value)"
        " SELECT ?2, key, value FROM labels WHERE machine_id = ?1");
    run("UPDATE events SET machine_id = ?2 WHERE machine_id = ?1");
    // The new hardware's facts describe the machine now.
    run("INSERT OR REPLACE INTO facts SELECT ?2, inspected_at, vendor, product, serial,"
        " cpu_threads, memory_bytes, disk_bytes, disk_count, facts_json FROM facts"
        " WHERE machine_id = ?1");
    auto del = db_.prepare("DELETE FROM machines WHERE id = ?");
    del.bind(1, from->id);
    del.run();
    // The old record takes what the new hardware showed: its UUID, firmware and agent contact.
    auto q = db_.prepare(
        "UPDATE machines SET uuid = COALESCE(?2, uuid),"
        " firmware = CASE WHEN ?3 = 'unknown' THEN firmware ELSE ?3 END,"
        " arch = CASE WHEN ?4 = 'unknown' THEN arch ELSE ?4 END,"
        " first_seen = MIN(first_seen, ?5), last_seen = MAX(last_seen, ?6),"
        " agent_reported_at = CASE WHEN ?7 IS NOT NULL AND (agent_reported_at IS NULL"
        "   OR ?7 > agent_reported_at) THEN ?7 ELSE agent_reported_at END,"
        " agent_event = CASE WHEN ?7 IS NOT NULL AND (agent_reported_at IS NULL"
        "   OR ?7 > agent_reported_at) THEN ?8 ELSE agent_event END"
        " WHERE id = ?1");
    q.bind(1, into.id)
        .bind(2, from->uuid ? std::optional<std::string>(from->uuid->to_string()) : std::nullopt)
        .bind(3, to_string(from->firmware))
        .bind(4, to_string(from->arch))
        .bind(5, from->first_seen)
        .bind(6, from->last_seen)
        .bind(7, from->agent_reported_at)
        .bind(8, from->agent_event);
    q.run();
    add_event(
        into.id, "machine.merged",
        nlohmann::json({{"from_id", from->id},
                        {"from_name", from->name},
                        {"uuid", from->uuid ? nlohmann::json(from->uuid->to_string()) : nullptr},
                        {"actor", actor}})
            .dump(),
        now);
    return std::nullopt;
  });
}

}  // namespace slipway::inventory

namespace slipway::inventory {

void SqliteMachineStore::set_install(const Machine& m, const std::string& profile,
                                     InstallStage stage) {
  auto q = db_.prepare("UPDATE machines SET profile = ?, install_stage = ? WHERE id = ?");
  q.bind(1, profile).bind(2, to_string(stage)).bind(3, m.id);
  q.run();
}

Outcome<Machine> SqliteMachineStore::start_install(const std::string& key,
                                                   const std::string& profile,
                                                   const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state == MachineState::kInstalling) {
      return conflict("machine " + m.name + " is already installing (profile " + m.profile +
                      ", stage " + std::string(to_string(m.install_stage)) +
                      "); cancel it first with `slipway machines state " + m.name + " ready`");
    }
    if (!find_transition(m.state, MachineState::kInstalling)) {
      return conflict(illegal_transition_message(m.name, m.state, MachineState::kInstalling));
    }
    set_state(m, MachineState::kInstalling, "install with profile " + profile, actor, now);
    set_install(m, profile, InstallStage::kPending);
    add_event(m.id, "install.started",
              nlohmann::json({{"profile", profile}, {"actor", actor}}).dump(), now);
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::install_written(const std::string& key,
                                                     const std::string& detail,
                                                     const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state != MachineState::kInstalling || m.install_stage != InstallStage::kPending) {
      return conflict("machine " + m.name + " has no install waiting for its image (state " +
                      std::string(to_string(m.state)) + ", install stage " +
                      std::string(to_string(m.install_stage)) + ")");
    }
    set_install(m, m.profile, InstallStage::kWritten);
    nlohmann::json d = nlohmann::json::parse(detail, nullptr, false);
    if (!d.is_object()) d = nlohmann::json::object();
    d["actor"] = actor;
    add_event(m.id, "install.written", d.dump(), now);
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::install_failed(const std::string& key,
                                                    const std::string& reason,
                                                    const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state != MachineState::kInstalling) {
      return conflict("machine " + m.name + " is " + std::string(to_string(m.state)) +
                      ", not installing: there is no install to fail");
    }
    add_event(m.id, "install.failed",
              nlohmann::json({{"reason", reason}, {"profile", m.profile}, {"actor", actor}}).dump(),
              now);
    set_state(m, MachineState::kReady, "install failed: " + reason, actor, now);
    return std::nullopt;
  });
}

Outcome<Machine> SqliteMachineStore::finish_install(const std::string& key,
                                                    const std::string& detail,
                                                    const std::string& actor) {
  return change(key, [&](const Machine& m, int64_t now) -> std::optional<Refusal> {
    if (m.state != MachineState::kInstalling || m.install_stage != InstallStage::kWritten) {
      return conflict("machine " + m.name + " is " + std::string(to_string(m.state)) +
                      " (install stage " + std::string(to_string(m.install_stage)) +
                      "): a first-boot callback counts only after the image was written");
    }
    nlohmann::json d = nlohmann::json::parse(detail, nullptr, false);
    if (!d.is_object()) d = nlohmann::json::object();
    d["actor"] = actor;
    add_event(m.id, "install.first_boot", d.dump(), now);
    set_state(m, MachineState::kDeployed,
              "first boot of the installed system (profile " + m.profile + ")", actor, now);
    return std::nullopt;
  });
}

}  // namespace slipway::inventory
