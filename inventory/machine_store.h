#pragma once
// MachineStore: where machines, their interfaces and their event log live. The interface admits
// other databases later; SqliteMachineStore is the embedded default.
//
// Identity rules (record_contact):
//  - a contact with a real UUID belongs to the machine with that UUID; its MAC is attached to
//    that machine (a second NIC, or a NIC moved from another record);
//  - else it belongs to the machine that has its MAC;
//  - a machine known only by MAC that now shows a UUID takes that UUID;
//  - a MAC seen with a different real UUID than its machine's is a different machine;
//  - otherwise a new machine is created in state `discovered`.
// Every creation and attachment is recorded as an event.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "inventory/machine.h"

namespace slipway::inventory {

struct Event {
  int64_t id = 0;
  int64_t time = 0;
  std::optional<int64_t> machine_id;
  std::string kind;    // e.g. "machine.discovered", "interface.added", "agent.booted"
  std::string detail;  // JSON object
};

class MachineStore {
 public:
  virtual ~MachineStore() = default;

  // Creates or updates the machine a contact belongs to and returns it as stored.
  virtual Result<Machine> record_contact(const Contact& contact) = 0;
  // Records that the runtime's agent reported `event` for the machine with this MAC (created
  // from the contact if unknown).
  virtual Result<Machine> record_agent_event(const Contact& contact, const std::string& event) = 0;

  virtual std::optional<Machine> find_by_mac(const MacAddress& mac) const = 0;
  virtual std::optional<Machine> find_by_uuid(const Uuid& uuid) const = 0;
  virtual std::vector<Machine> list() const = 0;
  // The name of the machine with this MAC (or, failing that, this UUID), for DHCP's host name
  // option. Answered from memory: cheap enough for every DHCP request.
  virtual std::optional<std::string> name_for(const MacAddress& mac,
                                              const std::optional<Uuid>& uuid) const = 0;
  virtual std::vector<Event> events(std::optional<int64_t> machine_id, size_t limit) const = 0;
};

}  // namespace slipway::inventory
