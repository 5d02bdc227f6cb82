#pragma once
// ImageService: image imports as jobs. POST /api/v1/images starts one; it runs on a worker thread
// (one import at a time, the others queued) through imaging::run_import, which touches only
// files; the finished image is recorded in the library on the io_context's thread. Jobs, with
// their bytes done, total, speed and notes, are kept in memory (the newest 100).
//
// Threads: every public method is called on the io_context's thread; the worker updates a job's
// progress under the mutex, and posts the result back to the io_context.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "imaging/image_fetch.h"
#include "imaging/image_importer.h"
#include "imaging/image_library.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

struct ImageJob {
  uint64_t id = 0;
  imaging::ImportRequest request;
  imaging::ImportStage stage = imaging::ImportStage::kQueued;
  uint64_t bytes_done = 0;
  std::optional<uint64_t> bytes_total;
  double speed_bps = 0;  // over the last second or so of the current stage
  std::vector<std::string> notes;
  std::string error;                          // why it failed
  std::optional<imaging::ImageRecord> image;  // when done
  std::chrono::steady_clock::time_point created;
  double elapsed_s = 0;  // until now, or until it ended
  bool finished() const {
    return stage == imaging::ImportStage::kDone || stage == imaging::ImportStage::kFailed;
  }
};

class ImageService {
 public:
  ImageService(boost::asio::io_context& io, imaging::ImageLibrary& library,
               imaging::FetchOptions fetch = {});
  ~ImageService();
  ImageService(const ImageService&) = delete;
  ImageService& operator=(const ImageService&) = delete;

  // Checks the request before queueing it: a source that is an http(s) URL or an absolute path
  // to a regular file, a valid name (derived from the source when empty) that no image and no
  // unfinished import has (kConflict), at most one of sha256/sha256sums (kInvalid).
  inventory::Outcome<ImageJob> start_import(imaging::ImportRequest request);
  std::optional<ImageJob> job(uint64_t id) const;
  std::vector<ImageJob> jobs(size_t limit) const;  // newest first
  // Cancels the running import (a download keeps its partial file), drops the queued ones and
  // ends the worker. Called by the destructor too.
  void stop();

 private:
  void worker_loop();
  void run(uint64_t id, const imaging::ImportRequest& request);
  Result<imaging::NewImage> import_once(uint64_t id, const imaging::ImportRequest& request,
                                        const imaging::ImportPaths& paths);
  // On the io_context's thread: records the image, or the failure.
  void finish(uint64_t id, Result<imaging::NewImage> result);
  void update(uint64_t id, imaging::ImportStage stage, uint64_t done,
              std::optional<uint64_t> total);
  ImageJob snapshot(const ImageJob& job) const;

  boost::asio::io_context& io_;
  imaging::ImageLibrary& library_;
  imaging::FetchOptions fetch_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_worker_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, ImageJob> jobs_;
  std::deque<uint64_t> queue_;
  bool stopping_ = false;
  // Speed: bytes and time at the start of the current measurement window, per running job.
  uint64_t window_bytes_ = 0;
  std::chrono::steady_clock::time_point window_start_;
  std::thread worker_;
};

}  // namespace slipway::controlplane
