#pragma once
// PowerService: `power on` jobs. A job names machines (name, MAC or UUID; a MAC the inventory does
// not know is woken as it is); each is woken through the PowerDriver, at most rate_per_second
// wakes per second across all jobs, and confirmed by its next DHCP DISCOVER or REQUEST from any
// of its MACs (booted) or the lack of one within the timeout (timed out). WoL cannot tell a
// machine that ignored the packet from one that is slow: the timeout is the only answer.
//
// Threads: the driver is used only by a worker thread (wake_batch sleeps between wakes); jobs live
// on the io_context's thread, where every public method must be called. Each wake and its result
// is an event in the inventory (power.on, power.booted, power.timed_out, power.failed).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/enrollment_config.h"
#include "inventory/machine_store.h"
#include "wol/batch_waker.h"
#include "wol/power_driver.h"

namespace slipway::controlplane {

enum class PowerStatus { kQueued, kSent, kBooted, kTimedOut, kFailed };
std::string_view to_string(PowerStatus s);

struct PowerTargetState {
  std::string key;   // as the operator named it
  std::string name;  // the machine's name, "" for a MAC the inventory does not know
  std::optional<int64_t> machine_id;
  MacAddress mac;                // the MAC the magic packet wakes (the boot NIC)
  std::vector<MacAddress> macs;  // any of these asking DHCP confirms the boot
  PowerStatus status = PowerStatus::kQueued;
  std::string detail;                    // why it failed
  std::optional<double> sent_after_s;    // since the job was created
  std::optional<double> booted_after_s;  // since the packet was sent
};

struct PowerJob {
  uint64_t id = 0;
  std::chrono::steady_clock::time_point created;
  std::chrono::seconds timeout{0};
  std::vector<PowerTargetState> targets;
  bool done() const;
};

class PowerService {
 public:
  PowerService(boost::asio::io_context& io, std::unique_ptr<wol::PowerDriver> driver,
               const PowerConfig& config, inventory::MachineStore& machines);
  ~PowerService();
  PowerService(const PowerService&) = delete;
  PowerService& operator=(const PowerService&) = delete;

  // Resolves every key first: an unknown name or UUID refuses the whole job (kNotFound), as do
  // an empty list and duplicates (kInvalid). `timeout` defaults to confirm_timeout.
  inventory::Outcome<PowerJob> power_on(const std::vector<std::string>& keys,
                                        std::optional<std::chrono::seconds> timeout,
                                        const std::string& actor);
  std::optional<PowerJob> job(uint64_t id) const;
  // The newest jobs first, at most `limit`.
  std::vector<PowerJob> jobs(size_t limit) const;
  // A DHCP client asked for an address: confirms a waiting wake of that MAC's machine.
  void heard(const MacAddress& mac);
  // Ends the worker; queued wakes are dropped. Called by the destructor too.
  void stop();

 private:
  struct Batch {
    uint64_t job_id;
    std::vector<wol::PowerTarget> targets;
  };
  void worker_loop();
  void on_sent(uint64_t job_id, size_t index, const Status& status);
  void on_timeout(uint64_t job_id, size_t index);
  void record(const PowerTargetState& t, const std::string& kind, nlohmann::json detail);

  boost::asio::io_context& io_;
  std::unique_ptr<wol::PowerDriver> driver_;
  PowerConfig config_;
  inventory::MachineStore& machines_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, PowerJob> jobs_;
  std::map<std::pair<uint64_t, size_t>, std::unique_ptr<boost::asio::steady_timer>> timers_;

  std::mutex mutex_;
  std::condition_variable wake_worker_;
  std::deque<Batch> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace slipway::controlplane
