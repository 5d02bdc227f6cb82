#include "controlplane/power_service.h"

#include <boost/asio/post.hpp>
#include <set>

#include "common/log.h"

namespace slipway::controlplane {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr size_t kJobsKept = 200;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::string_view to_string(PowerStatus s) {
  switch (s) {
    case PowerStatus::kQueued:
      return "queued";
    case PowerStatus::kSent:
      return "sent";
    case PowerStatus::kBooted:
      return "booted";
    case PowerStatus::kTimedOut:
      return "timed_out";
    case PowerStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

bool PowerJob::done() const {
  for (const auto& t : targets) {
    if (t.status == PowerStatus::kQueued || t.status == PowerStatus::kSent) return false;
  }
  return true;
}

PowerService::PowerService(asio::io_context& io, std::unique_ptr<wol::PowerDriver> driver,
                           const PowerConfig& config, inventory::MachineStore& machines)
    : io_(io), driver_(std::move(driver)), config_(config), machines_(machines) {
  worker_ = std::thread([this] { worker_loop(); });
}

PowerService::~PowerService() { stop(); }

void PowerService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_worker_.notify_all();
  if (worker_.joinable()) worker_.join();
  timers_.clear();
}

inventory::Outcome<PowerJob> PowerService::power_on(const std::vector<std::string>& keys,
                                                    std::optional<std::chrono::seconds> timeout,
                                                    const std::string& actor) {
  using Kind = inventory::Refusal::Kind;
  if (keys.empty()) return inventory::Refusal{Kind::kInvalid, "name at least one machine"};
  PowerJob job;
  job.id = next_id_;
  job.created = std::chrono::steady_clock::now();
  job.timeout = timeout.value_or(config_.confirm_timeout);
  std::set<MacAddress> seen;
  for (const auto& key : keys) {
    PowerTargetState t;
    t.key = key;
    if (auto m = machines_.find(key)) {
      if (m->interfaces.empty()) {
        return inventory::Refusal{Kind::kInvalid,
                                  "machine " + m->name + " has no known MAC to wake"};
      }
      t.name = m->name;
      t.machine_id = m->id;
      // The NIC it was first seen on is the one it boots from, and the one wired for WoL.
      t.mac = m->interfaces.front().mac;
      for (const auto& i : m->interfaces) t.macs.push_back(i.mac);
    } else if (auto mac = MacAddress::parse(key)) {
      t.mac = *mac;
      t.macs = {*mac};
    } else {
      return inventory::unknown_machine(key);
    }
    if (!seen.insert(t.mac).second) {
      return inventory::Refusal{Kind::kInvalid, "'" + key + "' names a machine twice"};
    }
    job.targets.push_back(std::move(t));
  }
  ++next_id_;

  Batch batch{job.id, {}};
  for (const auto& t : job.targets) {
    batch.targets.push_back({t.name, t.mac, config_.secureon_password});
    record(t, "power.requested", {{"job", job.id}, {"actor", actor}});
  }
  log::get("power")->info("power on job={} machines={} timeout_s={} actor={}", job.id,
                          job.targets.size(), job.timeout.count(), actor);
  jobs_[job.id] = job;
  while (jobs_.size() > kJobsKept) jobs_.erase(jobs_.begin());
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(batch));
  }
  wake_worker_.notify_one();
  return job;
}

void PowerService::worker_loop() {
  wol::SteadyPacer pacer;
  // The rate holds across jobs: the next batch starts no sooner than one interval after the
  // previous batch's last wake.
  std::optional<wol::Pacer::Duration> last_wake;
  const auto interval =
      config_.rate_per_second == 0
          ? wol::Pacer::Duration::zero()
          : wol::Pacer::Duration(std::chrono::seconds(1)) / config_.rate_per_second;
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(mutex_);
      wake_worker_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    if (last_wake) {
      auto due = *last_wake + interval;
      if (auto now = pacer.now(); due > now) pacer.sleep_for(due - now);
    }
    size_t index = 0;
    wol::wake_batch(*driver_, batch.targets, config_.rate_per_second, pacer,
                    [&](const wol::WakeOutcome& outcome) {
                      last_wake = pacer.now();
                      asio::post(io_, [this, id = batch.job_id, i = index, s = outcome.status] {
                        on_sent(id, i, s);
                      });
                      ++index;
                    });
    std::lock_guard lock(mutex_);
    if (stopping_) return;
  }
}

void PowerService::on_sent(uint64_t job_id, size_t index, const Status& status) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || index >= it->second.targets.size()) return;
  PowerJob& job = it->second;
  PowerTargetState& t = job.targets[index];
  t.sent_after_s = seconds_since(job.created);
  if (!status) {
    t.status = PowerStatus::kFailed;
    t.detail = status.error().message;
    log::get("power")->warn("power on failed job={} machine={} mac={} error=\"{}\"", job_id,
                            t.name.empty() ? "-" : t.name, t.mac.to_string(), t.detail);
    record(t, "power.failed", {{"job", job_id}, {"error", t.detail}});
    return;
  }
  if (t.status == PowerStatus::kQueued) t.status = PowerStatus::kSent;
  record(t, "power.on", {{"job", job_id}, {"driver", driver_->name()}});
  auto timer = std::make_unique<asio::steady_timer>(io_, job.timeout);
  timer->async_wait([this, job_id, index](const boost::system::error_code& ec) {
    if (!ec) on_timeout(job_id, index);
  });
  timers_[{job_id, index}] = std::move(timer);
}

void PowerService::on_timeout(uint64_t job_id, size_t index) {
  timers_.erase({job_id, index});
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  PowerTargetState& t = it->second.targets[index];
  if (t.status != PowerStatus::kSent) return;
  t.status = PowerStatus::kTimedOut;
  t.detail = "no DHCP request from its MACs within " + std::to_string(it->second.timeout.count()) +
             " s of the wake";
  log::get("power")->warn("power on timed out job={} machine={} mac={} timeout_s={}", job_id,
                          t.name.empty() ? "-" : t.name, t.mac.to_string(),
                          it->second.timeout.count());
  record(t, "power.timed_out", {{"job", job_id}, {"timeout_s", it->second.timeout.count()}});
}

void PowerService::heard(const MacAddress& mac) {
  for (auto& [id, job] : jobs_) {
    for (size_t i = 0; i < job.targets.size(); ++i) {
      PowerTargetState& t = job.targets[i];
      if (t.status != PowerStatus::kSent) continue;
      if (std::find(t.macs.begin(), t.macs.end(), mac) == t.macs.end()) continue;
      t.status = PowerStatus::kBooted;
      t.booted_after_s = seconds_since(job.created) - t.sent_after_s.value_or(0);
      timers_.erase({id, i});
      log::get("power")->info("power on confirmed job={} machine={} mac={} after_s={:.1f}", id,
                              t.name.empty() ? "-" : t.name, mac.to_string(), *t.booted_after_s);
      record(t, "power.booted",
             {{"job", id}, {"dhcp_from", mac.to_string()}, {"after_s", *t.booted_after_s}});
    }
  }
}

std::optional<PowerJob> PowerService::job(uint64_t id) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<PowerJob> PowerService::jobs(size_t limit) const {
  std::vector<PowerJob> out;
  for (auto it = jobs_.rbegin(); it != jobs_.rend() && out.size() < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

void PowerService::record(const PowerTargetState& t, const std::string& kind, json detail) {
  detail["mac"] = t.mac.to_string();
  std::optional<int64_t> machine_id = t.machine_id;
  if (!machine_id) {
    // Woken by MAC before the inventory knew it; once it has booted, it does.
    if (auto m = machines_.find_by_mac(t.mac)) machine_id = m->id;
  }
  if (auto s = machines_.record_event(machine_id, kind, detail.dump()); !s) {
    log::get("power")->error("cannot record event kind={} error=\"{}\"", kind, s.error().message);
  }
}

}  // namespace slipway::controlplane
