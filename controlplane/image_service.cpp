#include "controlplane/image_service.h"

#include <boost/asio/post.hpp>

#include "common/log.h"

namespace slipway::controlplane {

namespace fs = std::filesystem;
using imaging::ImportStage;
using inventory::Refusal;

namespace {

constexpr size_t kKeptJobs = 100;

using inventory::invalid;

bool is_local_file(const std::string& source) {
  std::error_code ec;
  return fs::path(source).is_absolute() && fs::is_regular_file(source, ec);
}

}  // namespace

ImageService::ImageService(boost::asio::io_context& io, imaging::ImageLibrary& library,
                           imaging::FetchOptions fetch)
    : io_(io), library_(library), fetch_(fetch), worker_([this] { worker_loop(); }) {}

ImageService::~ImageService() { stop(); }

void ImageService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (uint64_t id : queue_) {
      jobs_[id].stage = ImportStage::kFailed;
      jobs_[id].error = "the appliance stopped before the import began";
    }
    queue_.clear();
  }
  wake_worker_.notify_all();
  if (worker_.joinable()) worker_.join();
}

inventory::Outcome<ImageJob> ImageService::start_import(imaging::ImportRequest request) {
  const std::string& source = request.source;
  if (!imaging::is_fetchable_url(source) && !fs::path(source).is_absolute()) {
    return invalid(
        "the source must be an http:// or https:// URL or an absolute path on the "
        "appliance: '" +
        source + "'");
  }
  if (!imaging::is_fetchable_url(source) && !is_local_file(source)) {
    return invalid("no regular file at " + source + " on the appliance");
  }
  if (request.sha256 && request.sha256sums) {
    return invalid("give either sha256 or sha256sums, not both");
  }
  if (request.sha256sums && !imaging::is_fetchable_url(*request.sha256sums) &&
      !is_local_file(*request.sha256sums)) {
    return invalid(
        "the SHA256SUMS file must be an http(s) URL or an absolute path to a file on "
        "the appliance: '" +
        *request.sha256sums + "'");
  }
  if (request.name.empty()) request.name = imaging::default_image_name(source);
  if (request.name.empty())
    return invalid("cannot make an image name from " + source + ": give one");
  if (auto why = imaging::invalid_image_name(request.name)) return invalid(*why);
  if (auto taken = library_.find(request.name)) {
    return Refusal{
        Refusal::Kind::kConflict,
        "the name '" + request.name + "' is taken by an image (sha256 " + taken->sha256 + ")"};
  }
  std::lock_guard lock(mutex_);
  if (stopping_) return Refusal{Refusal::Kind::kStorage, "the appliance is stopping"};
  for (const auto& [id, job] : jobs_) {
    if (!job.finished() && job.request.name == request.name) {
      return Refusal{
          Refusal::Kind::kConflict,
          "an import named '" + request.name + "' is in progress (job " + std::to_string(id) + ")"};
    }
  }
  ImageJob job;
  job.id = next_id_++;
  job.request = std::move(request);
  job.created = std::chrono::steady_clock::now();
  jobs_[job.id] = job;
  queue_.push_back(job.id);
  while (jobs_.size() > kKeptJobs && jobs_.begin()->second.finished()) jobs_.erase(jobs_.begin());
  wake_worker_.notify_all();
  log::get("images")->info("import queued job={} name={} source={}", job.id, job.request.name,
                           job.request.source);
  return snapshot(job);
}

ImageJob ImageService::snapshot(const ImageJob& job) const {
  ImageJob copy = job;
  if (!job.finished()) {
    copy.elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - job.created).count();
  }
  return copy;
}

std::optional<ImageJob> ImageService::job(uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return snapshot(it->second);
}

std::vector<ImageJob> ImageService::jobs(size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<ImageJob> out;
  for (auto it = jobs_.rbegin(); it != jobs_.rend() && out.size() < limit; ++it) {
    out.push_back(snapshot(it->second));
  }
  return out;
}

void ImageService::worker_loop() {
  for (;;) {
    uint64_t id = 0;
    imaging::ImportRequest request;
    {
      std::unique_lock lock(mutex_);
      wake_worker_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = queue_.front();
      queue_.pop_front();
      request = jobs_[id].request;
      jobs_[id].stage = ImportStage::kFetching;
      window_bytes_ = UINT64_MAX;  // the first update starts the window
    }
    run(id, request);
  }
}

void ImageService::update(uint64_t id, ImportStage stage, uint64_t done,
                          std::optional<uint64_t> total) {
  std::lock_guard lock(mutex_);
  ImageJob& job = jobs_[id];
  auto now = std::chrono::steady_clock::now();
  if (job.stage != stage || done < window_bytes_) {
    if (job.stage != stage) job.bytes_total.reset();
    job.stage = stage;
    job.speed_bps = 0;
    window_bytes_ = done;
    window_start_ = now;
  }
  job.bytes_done = done;
  if (total) job.bytes_total = total;
  double seconds = std::chrono::duration<double>(now - window_start_).count();
  if (seconds >= 0.5) {
    job.speed_bps = static_cast<double>(done - window_bytes_) / seconds;
    window_bytes_ = done;
    window_start_ = now;
  }
}

void ImageService::run(uint64_t id, const imaging::ImportRequest& request) {
  imaging::ImportPaths paths{library_.tmp_dir(), library_.partial_dir(),
                             "import-" + std::to_string(id)};
  // run_import reports failures as values; a filesystem exception (a full disk while moving a
  // file) must not end the worker thread, and with it the daemon.
  Result<imaging::NewImage> result = Error{"not run"};
  try {
    result = import_once(id, request, paths);
  } catch (const std::exception& e) {
    result = Error{std::string("the import failed: ") + e.what()};
  }
  boost::asio::post(
      io_, [this, id, result = std::move(result)]() mutable { finish(id, std::move(result)); });
}

Result<imaging::NewImage> ImageService::import_once(uint64_t id,
                                                    const imaging::ImportRequest& request,
                                                    const imaging::ImportPaths& paths) {
  return imaging::run_import(
      request, paths, fetch_,
      [this, id](ImportStage stage, uint64_t done, std::optional<uint64_t> total) {
        update(id, stage, done, total);
        std::lock_guard lock(mutex_);
        return !stopping_;
      },
      [this, id](const std::string& note) {
        log::get("images")->info("import job={} {}", id, note);
        std::lock_guard lock(mutex_);
        jobs_[id].notes.push_back(note);
      });
}

void ImageService::finish(uint64_t id, Result<imaging::NewImage> result) {
  auto log = log::get("images");
  auto fail = [&](const std::string& why) {
    log->warn("import failed job={} error=\"{}\"", id, why);
    std::lock_guard lock(mutex_);
    ImageJob& job = jobs_[id];
    job.stage = ImportStage::kFailed;
    job.error = why;
    job.elapsed_s = snapshot(job).elapsed_s;
    job.speed_bps = 0;
  };
  if (!result) return fail(result.error().message);
  {
    std::lock_guard lock(mutex_);
    jobs_[id].stage = ImportStage::kStoring;
  }
  auto added = library_.add(*result);
  if (!added) {
    std::error_code ec;
    fs::remove(result->file, ec);
    if (result->tree) fs::remove_all(*result->tree, ec);
    return fail(added.refusal().message);
  }
  log->info("imported job={} name={} sha256={} size={} format={} verified={}", id, added->name,
            added->sha256, added->size, imaging::to_string(added->format), added->verified);
  std::lock_guard lock(mutex_);
  ImageJob& job = jobs_[id];
  job.elapsed_s = snapshot(job).elapsed_s;
  job.stage = ImportStage::kDone;
  job.speed_bps = 0;
  job.image = *added;
}

}  // namespace slipway::controlplane
