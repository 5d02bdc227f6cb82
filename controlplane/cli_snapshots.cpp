#include "controlplane/cli_snapshots.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/url.h"
#include "controlplane/api_client.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

// Verify, restore (which verifies first), export and import read every chunk: minutes for big
// snapshots.
constexpr long kLongCallSeconds = 3600;

std::string snapshot_path(const std::string& name, const std::string& action = "") {
  return "/api/v1/snapshots/" + url::encode(name) + (action.empty() ? "" : "/" + action);
}

std::string absolute(const std::string& file) {
  std::error_code ec;
  auto p = std::filesystem::absolute(file, ec);
  return ec ? file : p.lexically_normal().string();
}

std::string ratio_text(const json& s) {
  if (!s.contains("dedup_ratio")) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", s["dedup_ratio"].get<double>());
  return buf;
}

void print_snapshot(const json& doc) {
  const json& s = doc["snapshot"];
  Table t({"FIELD", "VALUE"});
  t.add_row({"name", s.value("name", "-")});
  t.add_row({"machine", s.value("machine", "-")});
  t.add_row({"state", s.value("state", "-")});
  t.add_row({"created", format_time(s.value("created_at", int64_t{0}))});
  if (s.value("completed_at", json()).is_number()) {
    t.add_row({"completed", format_time(s["completed_at"].get<int64_t>())});
  }
  t.add_row({"disk content", format_bytes(s.value("logical_bytes", uint64_t{0}))});
  t.add_row({"stored", format_bytes(s.value("stored_bytes", uint64_t{0})) + " (" +
                           format_bytes(s.value("new_bytes", uint64_t{0})) +
                           " stored first by this snapshot)"});
  t.add_row({"dedup ratio", ratio_text(s)});
  t.add_row({"chunks", std::to_string(s.value("chunk_count", uint64_t{0}))});
  if (!s.value("error", "").empty()) t.add_row({"error", s.value("error", "")});
  if (doc.contains("progress")) {
    const json& p = doc["progress"];
    t.add_row({"progress", p.value("stage", "?") + " " +
                               format_bytes(p.value("bytes_done", uint64_t{0})) + " of " +
                               format_bytes(p.value("bytes_total", uint64_t{0}))});
  }
  if (doc.contains("manifest")) {
    const json& m = doc["manifest"];
    t.add_row({"firmware", m.value("firmware", "-")});
    t.add_row({"boot loader", m.value("boot_loader", "-")});
    t.add_row({"hostname", m.value("hostname", "-")});
  }
  std::cout << t.render();
  if (!doc.contains("manifest")) return;
  Table layout({"DISK", "SIZE", "PART", "START", "END", "FS", "CAPTURED"});
  for (const auto& l : doc["manifest"].value("disks", json::array())) {
    for (const auto& r : l.value("regions", json::array())) {
      layout.add_row(
          {l.value("name", "?"), format_bytes(l.value("size_bytes", uint64_t{0})),
           r.value("what", "?"), std::to_string(r.value("offset", uint64_t{0})),
           std::to_string(r.value("offset", uint64_t{0}) + r.value("length", uint64_t{0})),
           r.value("filesystem", "-"),
           r.value("mode", "?") + " " + format_bytes(r.value("used_bytes", uint64_t{0}))});
    }
  }
  std::cout << "\n" << layout.render();
}

int print_or(const std::optional<json>& doc, bool as_json,
             const std::function<void(const json&)>& text) {
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
  } else {
    text(*doc);
  }
  return 0;
}

// Polls `fetch` every second until `done` says the outcome (true: success) or `seconds` pass,
// printing `line` whenever it changes.
int follow(int seconds, const std::function<std::optional<json>()>& fetch,
           const std::function<std::string(const json&)>& line,
           const std::function<std::optional<bool>(const json&)>& done, bool as_json) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto doc = fetch();
    if (!doc) return 1;
    std::string now = line(*doc);
    if (now != last && !as_json) std::cout << now << std::endl;
    last = now;
    if (auto outcome = done(*doc)) {
      if (as_json) std::cout << doc->dump(2) << "\n";
      return *outcome ? 0 : 1;
    }
  }
  std::cerr << "slipway: still " << last << " after " << seconds << " s\n";
  return 1;
}

std::string capture_line(const json& doc) {
  const json& s = doc["snapshot"];
  std::string out = s.value("name", "?") + ": " + s.value("state", "?");
  if (doc.contains("progress")) {
    const json& p = doc["progress"];
    uint64_t done = p.value("bytes_done", uint64_t{0}), total = p.value("bytes_total", uint64_t{0});
    out += " " + p.value("stage", "?") + " " + format_bytes(done) + " of " + format_bytes(total);
    if (total) out += " (" + std::to_string(done * 100 / total) + "%)";
  }
  if (s.value("state", "") == "complete") {
    out += ", " + format_bytes(s.value("logical_bytes", uint64_t{0})) + " of disk content, " +
           format_bytes(s.value("new_bytes", uint64_t{0})) + " new";
  }
  if (!s.value("error", "").empty()) out += ": " + s.value("error", "");
  return out;
}

}  // namespace

SnapshotCommands::SnapshotCommands(CLI::App& app) {
  auto* s = app.add_subcommand("snapshots", "Snapshots of machines' disks and their restore");
  s->require_subcommand(1);
  s->add_flag("--json", json_, "Print the API's JSON");
  create_ = s->add_subcommand(
      "create", "Snapshot a machine's disks at its next network boot (power it on after)");
  create_->add_option("name", name_, "Snapshot name (default: MACHINE-YYYYMMDD-HHMMSS)");
  create_->add_option("-m,--machine", machine_, "The machine: name, MAC or UUID")->required();
  create_->add_option("--wait", wait_, "Follow the capture for up to this many seconds");
  list_ = s->add_subcommand("list", "The snapshots, oldest first");
  show_ = s->add_subcommand("show", "One snapshot: sizes, dedup, layout, firmware");
  show_->add_option("name", name_, "Snapshot name")->required();
  delete_ = s->add_subcommand("delete", "Delete a snapshot and the chunks no other snapshot uses");
  delete_->add_option("name", name_, "Snapshot name")->required();
  verify_ = s->add_subcommand("verify", "Re-read every chunk and check its SHA-256");
  verify_->add_option("name", name_, "Snapshot name")->required();
  restore_ =
      s->add_subcommand("restore",
                        "Restore a snapshot onto a machine at its next network boot (its disks are "
                        "overwritten)");
  restore_->add_option("name", name_, "Snapshot name")->required();
  restore_->add_option("--to", machine_, "The target machine: name, MAC or UUID")->required();
  restore_->add_option("--wait", wait_, "Follow the restore for up to this many seconds");
  export_ = s->add_subcommand("export", "Write a snapshot to one tar file on the appliance host");
  export_->add_option("name", name_, "Snapshot name")->required();
  export_->add_option("file", file_, "The tar file to write")->required();
  import_ = s->add_subcommand("import", "Read a snapshot from a file made by export");
  import_->add_option("file", file_, "The tar file")->required();
  import_->add_option("--name", name_, "Import under this name (default: the exported one)");
}

std::optional<int> SnapshotCommands::run(const std::string& server_url) const {
  ApiClient client(server_url);
  ApiClient slow(server_url, kLongCallSeconds);
  const bool as_json = json_;
  if (create_->parsed()) {
    json body = {{"name", name_}, {"machine", machine_}};
    auto doc = api_answer(client, client.post("/api/v1/snapshots", body.dump()), "snapshot");
    if (!doc) return 1;
    const std::string name = (*doc)["snapshot"].value("name", name_);
    if (wait_ <= 0) {
      return print_or(doc, as_json, [&](const json& d) {
        std::cout << name << ": capturing machine " << d["snapshot"].value("machine", machine_)
                  << " at its next network boot (`slipway power on " << machine_ << "`)\n";
      });
    }
    return follow(
        wait_, [&] { return api_answer(client, client.get(snapshot_path(name)), "snapshot"); },
        capture_line,
        [](const json& d) -> std::optional<bool> {
          std::string state = d["snapshot"].value("state", "");
          if (state == "capturing") return std::nullopt;
          return state == "complete";
        },
        as_json);
  }
  if (list_->parsed()) {
    auto doc = api_answer(client, client.get("/api/v1/snapshots"), "snapshots");
    return print_or(doc, as_json, [](const json& d) {
      Table t({"NAME", "MACHINE", "STATE", "CONTENT", "STORED", "NEW", "DEDUP", "CREATED"});
      for (const auto& s : d["snapshots"]) {
        t.add_row({s.value("name", "?"), s.value("machine", "?"), s.value("state", "?"),
                   format_bytes(s.value("logical_bytes", uint64_t{0})),
                   format_bytes(s.value("stored_bytes", uint64_t{0})),
                   format_bytes(s.value("new_bytes", uint64_t{0})), ratio_text(s),
                   format_time(s.value("created_at", int64_t{0}))});
      }
      std::cout << t.render();
    });
  }
  if (show_->parsed()) {
    return print_or(api_answer(client, client.get(snapshot_path(name_)), "snapshot"), as_json,
                    print_snapshot);
  }
  if (delete_->parsed()) {
    auto doc = api_answer(client, client.del(snapshot_path(name_)), "removed_chunks");
    return print_or(doc, as_json, [&](const json& d) {
      std::cout << "deleted " << name_ << ": " << d.value("removed_chunks", uint64_t{0})
                << " chunks (" << format_bytes(d.value("removed_bytes", uint64_t{0}))
                << ") removed, " << d.value("kept_chunks", uint64_t{0})
                << " kept for other snapshots\n";
    });
  }
  if (verify_->parsed()) {
    auto doc = api_answer(slow, slow.post(snapshot_path(name_, "verify"), "{}"), "checked");
    if (!doc) return 1;
    const json& bad = (*doc)["bad"];
    if (as_json) {
      std::cout << doc->dump(2) << "\n";
    } else {
      for (const auto& b : bad) std::cerr << "slipway: " << b.get<std::string>() << "\n";
      std::cout << name_ << ": " << (*doc)["checked"].get<uint64_t>() << " chunks checked, "
                << bad.size() << " bad\n";
    }
    return bad.empty() ? 0 : 1;
  }
  if (restore_->parsed()) {
    json body = {{"machine", machine_}};
    auto doc = api_answer(slow, slow.post(snapshot_path(name_, "restore"), body.dump()), "machine");
    if (!doc) return 1;
    const std::string target = (*doc)["machine"].value("name", machine_);
    if (!as_json || wait_ <= 0) {
      print_or(doc, as_json, [&](const json& d) {
        std::cout << target << ": restoring snapshot " << name_
                  << " at its next network boot (`slipway power on " << target << "`)\n";
        for (const auto& n : d["plan"].value("notes", json::array())) {
          std::cout << "  " << n.get<std::string>() << "\n";
        }
      });
    }
    if (wait_ <= 0) return 0;
    return follow(
        wait_, [&] { return api_answer(client, client.get(machine_path(target)), "machine"); },
        [&](const json& d) { return target + ": " + d["machine"].value("state", "?"); },
        [](const json& d) -> std::optional<bool> {
          std::string state = d["machine"].value("state", "");
          if (state == "restoring") return std::nullopt;
          return state == "deployed";
        },
        as_json);
  }
  if (export_->parsed()) {
    json body = {{"path", absolute(file_)}};
    auto doc = api_answer(slow, slow.post(snapshot_path(name_, "export"), body.dump()), "chunks");
    return print_or(doc, as_json, [&](const json& d) {
      std::cout << "exported " << name_ << " to " << d.value("path", file_) << ": "
                << d.value("chunks", uint64_t{0}) << " chunks, "
                << format_bytes(d.value("bytes", uint64_t{0})) << "\n";
    });
  }
  if (import_->parsed()) {
    json body = {{"path", absolute(file_)}, {"name", name_}};
    auto doc = api_answer(slow, slow.post("/api/v1/snapshots/import", body.dump()), "snapshot");
    return print_or(doc, as_json,
                    [](const json& d) { std::cout << "imported " << capture_line(d) << "\n"; });
  }
  return std::nullopt;
}

}  // namespace slipway::controlplane
