#pragma once
// Metrics: counters and gauges rendered as Prometheus text exposition (served on /metrics).
//
// Registration (counter()/gauge()) happens at start-up; the returned references stay valid for
// the registry's lifetime and are cheap to bump from any thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace slipway {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Metrics {
 public:
  // `labels` is the inside of the braces, e.g. `reason="truncated"`, or empty. Asking twice for
  // the same name and labels returns the same counter.
  Counter& counter(const std::string& name, const std::string& help,
                   const std::string& labels = "");
  Gauge& gauge(const std::string& name, const std::string& help, const std::string& labels = "");

  std::string render() const;

 private:
  struct Family {
    std::string help;
    bool is_gauge = false;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace slipway
