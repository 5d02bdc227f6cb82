#include "controlplane/cli_images.h"

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/url.h"
#include "controlplane/api_client.h"
#include "controlplane/progress_line.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

// A path is made absolute for the appliance, which reads it on this machine; URLs pass.
std::string absolute_source(const std::string& source) {
  if (source.find("://") != std::string::npos) return source;
  std::error_code ec;
  auto path = std::filesystem::absolute(source, ec);
  return ec ? source : path.lexically_normal().string();
}

std::string image_path(const std::string& key) { return "/api/v1/images/" + url::encode(key); }

std::string text_or_dash(const json& v) { return v.is_string() ? v.get<std::string>() : "-"; }

std::string verified_text(const json& image) {
  return image.value("verified", false) ? "verified" : "UNVERIFIED (digest computed, not checked)";
}

void print_image(const json& image) {
  Table t({"FIELD", "VALUE"});
  t.add_row({"name", text_or_dash(image["name"])});
  t.add_row({"sha256", text_or_dash(image["sha256"])});
  t.add_row({"verified", verified_text(image)});
  t.add_row({"format", text_or_dash(image["format"])});
  t.add_row({"size", format_bytes(image.value("size", uint64_t{0})) + " (" +
                         std::to_string(image.value("size", uint64_t{0})) + " bytes)"});
  t.add_row({"source", text_or_dash(image["source"])});
  t.add_row({"imported", format_time(image.value("imported_at", int64_t{0}))});
  t.add_row({"url", text_or_dash(image["url"])});
  if (image["kernel"].is_string()) {
    t.add_row({"kernel", text_or_dash(image["kernel_url"])});
    t.add_row({"initrd", text_or_dash(image["initrd_url"])});
  }
  std::cout << t.render();
}

// An answer's JSON with --json, else what `text` makes of its image. Exit code 1 when the call
// failed (api_answer said why).
int print_answer(const std::optional<json>& doc, bool as_json,
                 const std::function<void(const json&)>& text) {
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
  } else {
    text((*doc)["image"]);
  }
  return 0;
}

// Draws a job's progress as it changes: one rewritten line on a terminal, periodic lines
// otherwise; notes are printed once each.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(const ImportOptions& o)
      : options_(o), terminal_(::isatty(STDOUT_FILENO) == 1) {}

  void show(const json& job) {
    std::string state = job.value("state", "");
    const json& notes = job["notes"];
    for (; notes.is_array() && notes_shown_ < notes.size(); ++notes_shown_) {
      end_line();
      std::cout << "  " << notes[notes_shown_].get<std::string>() << "\n";
    }
    bool moving = state == "fetching" || state == "verifying";
    std::optional<uint64_t> total;
    if (job["bytes_total"].is_number()) total = job["bytes_total"].get<uint64_t>();
    std::string line = moving
                           ? progress_text(state, job.value("bytes_done", uint64_t{0}), total,
                                           job.value("speed_bps", uint64_t{0}), terminal_ ? 30 : 0)
                           : state;
    auto now = std::chrono::steady_clock::now();
    if (terminal_) {
      if (state != last_state_) end_line();
      std::cout << "\r" << line << "\033[K" << std::flush;
      open_line_ = true;
    } else if (state != last_state_ || (moving && now - last_print_ >= options_.plain_interval)) {
      std::cout << line << "\n" << std::flush;
      last_print_ = now;
    }
    last_state_ = state;
  }

  void end_line() {
    if (open_line_) std::cout << "\n";
    open_line_ = false;
  }

 private:
  const ImportOptions& options_;
  bool terminal_;
  bool open_line_ = false;
  std::string last_state_;
  size_t notes_shown_ = 0;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace

int images_import(const std::string& server_url, const ImportOptions& options) {
  ApiClient client(server_url);
  json request = {{"source", absolute_source(options.source)}};
  if (!options.name.empty()) request["name"] = options.name;
  if (!options.sha256.empty()) request["sha256"] = options.sha256;
  if (!options.sha256sums.empty()) request["sha256sums"] = absolute_source(options.sha256sums);
  auto doc = api_answer(client, client.post("/api/v1/images", request.dump()), "job");
  if (!doc) return 1;
  json job = (*doc)["job"];
  uint64_t id = job.value("id", uint64_t{0});
  ProgressPrinter printer(options);
  if (!options.json) {
    std::cout << "import job " << id << ": " << job.value("source", "") << " as '"
              << job.value("name", "") << "'\n";
  }
  for (;;) {
    if (!options.json) printer.show(job);
    std::string state = job.value("state", "");
    if (state == "done" || state == "failed") break;
    std::this_thread::sleep_for(options.poll_interval);
    auto next = api_answer(client, client.get("/api/v1/images/jobs/" + std::to_string(id)), "job");
    if (!next) return 1;
    job = (*next)["job"];
  }
  printer.end_line();
  if (options.json) std::cout << job.dump(2) << "\n";
  if (job.value("state", "") == "failed") {
    std::cerr << "slipway: import failed: " << text_or_dash(job["error"]) << "\n";
    return 1;
  }
  if (!options.json) {
    const json& image = job["image"];
    std::cout << "imported '" << text_or_dash(image["name"])
              << "': " << text_or_dash(image["format"]) << ", "
              << format_bytes(image.value("size", uint64_t{0})) << ", sha256 "
              << text_or_dash(image["sha256"]) << ", " << verified_text(image) << "\n";
    if (image["kernel"].is_string()) {
      std::cout << "kernel " << text_or_dash(image["kernel_url"]) << "\ninitrd "
                << text_or_dash(image["initrd_url"]) << "\n";
    }
  }
  return 0;
}

int images_list(const std::string& server_url, bool as_json) {
  ApiClient client(server_url);
  auto doc = api_answer(client, client.get("/api/v1/images"), "images");
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  Table table({"NAME", "FORMAT", "SIZE", "VERIFIED", "SHA256", "IMPORTED"});
  for (const auto& i : (*doc)["images"]) {
    table.add_row(
        {text_or_dash(i["name"]), text_or_dash(i["format"]),
         format_bytes(i.value("size", uint64_t{0})), i.value("verified", false) ? "yes" : "NO",
         text_or_dash(i["sha256"]).substr(0, 16), format_time(i.value("imported_at", int64_t{0}))});
  }
  std::cout << table.render();
  return 0;
}

int images_show(const std::string& server_url, const std::string& key, bool as_json) {
  ApiClient client(server_url);
  return print_answer(api_answer(client, client.get(image_path(key)), "image"), as_json,
                      print_image);
}

int images_rm(const std::string& server_url, const std::string& name, bool as_json) {
  ApiClient client(server_url);
  return print_answer(api_answer(client, client.del(image_path(name)), "image"), as_json,
                      [&name](const json& image) {
                        std::cout << "removed '" << name << "' (sha256 "
                                  << text_or_dash(image["sha256"]) << ")\n";
                      });
}

}  // namespace slipway::controlplane
