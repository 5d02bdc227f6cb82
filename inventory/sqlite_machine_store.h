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
  std::optional<Machine> find_by_mac(const MacAddress& mac) const override;
  std::optional<Machine> find_by_uuid(const Uuid& uuid) const override;
  std::vector<Machine> list() const override;
  std::optional<std::string> name_for(const MacAddress& mac,
                                      const std::optional<Uuid>& uuid) const override;
  std::vector<Event> events(std::optional<int64_t> machine_id, size_t limit) const override;

 private:
  int64_t upsert_contact(const Contact& contact, int64_t now);
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
