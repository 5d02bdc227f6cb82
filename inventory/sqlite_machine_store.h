#pragma once
// SqliteMachineStore: machines, interfaces and events in the appliance's SQLite database. Each
// record_* call is one transaction, committed before it returns.
//
// Thread-safety: one thread (the io_context's).

#include <map>
#include <unordered_map>

#include "common/clock.h"
#include "common/sqlite.h"
#include "inventory/machine_store.h"

namespace slipway::inventory {

class SqliteMachineStore : public MachineStore {
 public:
  // Creates or migrates the tables. Throws sqlite::Error (a start-up failure).
  SqliteMachineStore(sqlite::Database& db, const Clock& clock);

  Result<Machine> record_contact(const Contact& contact) override;
  Result<Machine> record_agent_event(const Contact& contact, const std::string& event) override;
  // Every write goes through db_: its change count is the generation.
  uint64_t generation() const override { return static_cast<uint64_t>(db_.total_changes()); }
  std::optional<Machine> find_by_mac(const MacAddress& mac) const override;
  std::optional<Machine> find_by_uuid(const Uuid& uuid) const override;
  std::vector<Machine> list() const override;
  std::optional<std::string> name_for(const MacAddress& mac,
                                      const std::optional<Uuid>& uuid) const override;
  std::vector<Event> events(std::optional<int64_t> machine_id, size_t limit) const override;
  Status record_event(std::optional<int64_t> machine_id, const std::string& kind,
                      const std::string& detail) override;

  std::optional<Machine> find(const std::string& key) const override;
  std::vector<Machine> list(const MachineFilter& filter) const override;
  Outcome<Machine> transition(const std::string& key, MachineState to, const std::string& reason,
                              const std::string& actor) override;
  Outcome<Machine> finish_inspection(const std::string& key, EnrollmentPolicy policy,
                                     const std::string& actor) override;
  Result<Machine> record_agent_report(const Contact& contact, const std::string& event,
                                      const Inspection& inspection,
                                      const EnrollmentConfig& enrollment) override;
  std::optional<std::string> facts_json(int64_t machine_id) const override;
  Outcome<Machine> approve(const std::string& key, const std::string& actor) override;
  Outcome<Machine> rename(const std::string& key, const std::string& new_name,
                          const std::string& actor) override;
  Outcome<Machine> label(const std::string& key, const std::map<std::string, std::string>& set,
                         const std::vector<std::string>& remove, const std::string& actor) override;
  Outcome<Machine> forget(const std::string& key, const std::string& actor) override;
  Outcome<Machine> merge(const std::string& from, const std::string& into,
                         const std::string& actor) override;
  Outcome<Machine> start_install(const std::string& key, const std::string& profile,
                                 const std::string& actor) override;
  Outcome<Machine> install_written(const std::string& key, const std::string& detail,
                                   const std::string& actor) override;
  Outcome<Machine> install_failed(const std::string& key, const std::string& reason,
                                  const std::string& actor) override;
  Outcome<Machine> finish_install(const std::string& key, const std::string& detail,
                                  const std::string& actor) override;

 private:
  // The only place a machine's state changes. REQUIRES: an open transaction, a legal move.
  void set_install(const Machine& m, const std::string& profile, InstallStage stage);
  void set_state(const Machine& m, MachineState to, const std::string& reason,
                 const std::string& actor, int64_t now);
  // Runs `op(machine, now)` on the machine `key` names in one transaction; `op` returns a
  // Refusal to roll back.
  template <typename Op>
  Outcome<Machine> change(const std::string& key, Op op);
  void reload_names();
  // Inside record_agent_report's transaction.
  void store_facts(const Machine& m, const Inspection& inspection, int64_t now);
  void enroll(const Machine& m, const Inspection& inspection, const EnrollmentConfig& enrollment,
              const std::string& actor, int64_t now);
  // `base`, or base-2, base-3... whichever no other machine has; at most 63 characters.
  std::string free_name(const std::string& base, int64_t own_id);
  // The end of an inspection under `policy` (finish_inspection). REQUIRES: m is inspecting.
  void finish(const Machine& m, EnrollmentPolicy policy, const std::string& actor, int64_t now);

  int64_t upsert_contact(const Contact& contact, int64_t now);
  // record_agent_event's work inside a transaction; returns the machine's id.
  int64_t agent_event(const Contact& contact, const std::string& event, int64_t now);
  int64_t create_machine(const Contact& contact, int64_t now);
  void add_event(std::optional<int64_t> machine_id, const std::string& kind,
                 const std::string& detail, int64_t now);
  std::optional<Machine> load(int64_t id) const;
  std::vector<Machine> load_where(const std::string& where, const std::string& arg) const;

  void remember_names(const Machine& m);
  // The machine as stored after a commit, with the name cache updated.
  Result<Machine> committed(int64_t id);

  sqlite::Database& db_;
  const Clock& clock_;
  std::unordered_map<MacAddress, std::string> name_by_mac_;
  std::map<Uuid, std::string> name_by_uuid_;
};

}  // namespace slipway::inventory
