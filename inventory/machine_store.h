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
//
// State changes go through the transition table of lifecycle.h only; each one is a
// `machine.state` event whose detail holds from, to, reason and actor. Operator operations name a
// machine by name, MAC or UUID ("key") and come back as an Outcome whose refusal says why, in a
// message that names the machine.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "inventory/enrollment_rules.h"
#include "inventory/lifecycle.h"
#include "inventory/machine.h"

namespace slipway::inventory {

struct Event {
  int64_t id = 0;
  int64_t time = 0;
  std::optional<int64_t> machine_id;
  std::string kind;    // e.g. "machine.discovered", "interface.added", "agent.booted"
  std::string detail;  // JSON object
};

// Why an operation was refused; the REST API maps these to 404, 409, 400 and 503.
struct Refusal {
  enum class Kind { kNotFound, kConflict, kInvalid, kStorage };
  Kind kind;
  std::string message;
};

// The refusal for a key that names no machine; the message quotes the key.
Refusal unknown_machine(const std::string& key);
// Refusals of the two commonest kinds (409 and 400).
Refusal conflict(std::string message);
Refusal invalid(std::string message);

// A value or a Refusal (Result<T> with a kind, for operations the operator asks for).
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Outcome(Refusal refusal)                                                // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(refusal)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // REQUIRES: !ok().
  const Refusal& refusal() const { return std::get<1>(state_); }

 private:
  std::variant<T, Refusal> state_;
};

// What the runtime's agent found on a machine (imaging/ validated it).
struct Inspection {
  MacAddress boot_mac;
  FactsSummary summary;    // inspected_at is set by the store
  std::string facts_json;  // the report's facts object, kept whole for `machines show`
  std::vector<MacAddress> nic_macs;
};

// list() filters; empty ones match everything. A label filter "key" matches any value.
struct MachineFilter {
  std::optional<MachineState> state;
  std::map<std::string, std::optional<std::string>> labels;  // all must match
};

class MachineStore {
 public:
  virtual ~MachineStore() = default;

  // Creates or updates the machine a contact belongs to and returns it as stored.
  virtual Result<Machine> record_contact(const Contact& contact) = 0;
  // Records that the runtime's agent reported `event` for the machine with this MAC (created
  // from the contact if unknown).
  virtual Result<Machine> record_agent_event(const Contact& contact, const std::string& event) = 0;

  // A number that changes whenever a machine record may have changed. Something cached from the
  // store stays valid while it is the same.
  virtual uint64_t generation() const = 0;

  virtual std::optional<Machine> find_by_mac(const MacAddress& mac) const = 0;
  virtual std::optional<Machine> find_by_uuid(const Uuid& uuid) const = 0;
  virtual std::vector<Machine> list() const = 0;
  // The name of the machine with this MAC (or, failing that, this UUID), for DHCP's host name
  // option. Answered from memory: cheap enough for every DHCP request.
  virtual std::optional<std::string> name_for(const MacAddress& mac,
                                              const std::optional<Uuid>& uuid) const = 0;
  virtual std::vector<Event> events(std::optional<int64_t> machine_id, size_t limit) const = 0;
  // Appends an event other modules report about a machine (or none), e.g. "power.booted".
  virtual Status record_event(std::optional<int64_t> machine_id, const std::string& kind,
                              const std::string& detail) = 0;

  // The machine with this name, else with this MAC, else with this UUID.
  virtual std::optional<Machine> find(const std::string& key) const = 0;
  virtual std::vector<Machine> list(const MachineFilter& filter) const = 0;

  // Moves a machine to `to` if the table allows it for anyone (kConflict otherwise, with
  // illegal_transition_message). `actor` is who asked: "operator", "agent", ...
  virtual Outcome<Machine> transition(const std::string& key, MachineState to,
                                      const std::string& reason, const std::string& actor) = 0;
  // Inspection of an inspecting machine is done: ready under `auto`, awaiting approval under
  // `approve`.
  virtual Outcome<Machine> finish_inspection(const std::string& key, EnrollmentPolicy policy,
                                             const std::string& actor) = 0;
  // A report with hardware facts, in one transaction: what record_agent_event does, then the
  // facts are stored (replacing earlier ones) and the NICs they list that no machine has yet are
  // attached. A machine that is inspecting and not yet awaiting approval is then enrolled: the
  // rules name it (only while it has its default name; a taken name gets "-2", "-3"...) and add
  // the labels it lacks, and inspection finishes under the policy (finish_inspection). Machines
  // in other states only get new facts.
  virtual Result<Machine> record_agent_report(const Contact& contact, const std::string& event,
                                              const Inspection& inspection,
                                              const EnrollmentConfig& enrollment) = 0;
  // The facts object of the machine's last inspection, as the agent sent it.
  virtual std::optional<std::string> facts_json(int64_t machine_id) const = 0;
  // An inspecting machine awaiting approval becomes ready.
  virtual Outcome<Machine> approve(const std::string& key, const std::string& actor) = 0;
  // Names are unique and valid (invalid_machine_name).
  virtual Outcome<Machine> rename(const std::string& key, const std::string& new_name,
                                  const std::string& actor) = 0;
  // Sets and removes labels in one step; removing an absent key is not an error.
  virtual Outcome<Machine> label(const std::string& key,
                                 const std::map<std::string, std::string>& set,
                                 const std::vector<std::string>& remove,
                                 const std::string& actor) = 0;
  // Deletes the machine and its interfaces and labels (inventory data only; leases stay with
  // the DHCP server). Its events stay, detached. Refused while it is installing. Returns the
  // machine as it was.
  virtual Outcome<Machine> forget(const std::string& key, const std::string& actor) = 0;
  // A motherboard swap: `from` (the new record, new UUID) is folded into `into` (the old one).
  // Interfaces, events and labels `into` lacks move over, and `from`'s facts when it has any;
  // `into` keeps its name, state and labels and takes `from`'s UUID; `from` disappears. Refused
  // when either is missing, they are the same machine, or either is installing.
  virtual Outcome<Machine> merge(const std::string& from, const std::string& into,
                                 const std::string& actor) = 0;

  // Installs (boot/ decides what a machine boots from its state and install stage):
  // A ready or deployed machine becomes installing with `profile`, stage pending: its next
  // netboot runs the runtime in install mode. Refused in other states.
  virtual Outcome<Machine> start_install(const std::string& key, const std::string& profile,
                                         const std::string& actor) = 0;
  // The agent wrote the image (`detail`: a JSON object for the event): pending -> written, so
  // the machine now boots its local disk. Refused unless installing and pending.
  virtual Outcome<Machine> install_written(const std::string& key, const std::string& detail,
                                           const std::string& actor) = 0;
  // The install failed (`reason` from the agent or the operator): installing -> ready.
  virtual Outcome<Machine> install_failed(const std::string& key, const std::string& reason,
                                          const std::string& actor) = 0;
  // The installed OS called back at first boot: installing (written) -> deployed. Refused while
  // the image is not written yet (a callback from an earlier install's OS).
  virtual Outcome<Machine> finish_install(const std::string& key, const std::string& detail,
                                          const std::string& actor) = 0;
};

}  // namespace slipway::inventory
