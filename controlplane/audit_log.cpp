#include "controlplane/audit_log.h"

#include <array>

#include "common/log.h"

namespace slipway::controlplane {
namespace {

constexpr std::array<std::string_view, 1> kMigrations = {
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time INTEGER NOT NULL,"
    " who TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " method TEXT NOT NULL,"
    " route TEXT NOT NULL,"
    " target TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " result TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE INDEX audit_by_time ON audit(time);",
};

// Paths and details come from clients: keep a row's size bounded whatever they send.
constexpr size_t kMaxField = 512;

std::string bounded(std::string s) {
  if (s.size() > kMaxField) s.resize(kMaxField);
  return s;
}

}  // namespace

std::string audit_result(unsigned status) {
  if (status < 400) return "ok";
  if (status == 401 || status == 403 || status == 429) return "refused";
  return "failed";
}

AuditLog::AuditLog(sqlite::Database& db, const Clock& clock, size_t max_rows, size_t prune_every)
    : db_(db),
      clock_(clock),
      max_rows_(max_rows),
      prune_every_(prune_every == 0 ? 1 : prune_every) {
  sqlite::migrate(db_, "audit", kMigrations);
}

Status AuditLog::record(AuditEvent e) {
  try {
    db_.prepare(
           "INSERT INTO audit (time, who, role, method, route, target, status, result, source,"
           " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, clock_.now())
        .bind(2, bounded(std::move(e.who)))
        .bind(3, e.role)
        .bind(4, e.method)
        .bind(5, bounded(std::move(e.route)))
        .bind(6, bounded(std::move(e.target)))
        .bind(7, int64_t{e.status})
        .bind(8, e.result)
        .bind(9, e.source)
        .bind(10, bounded(std::move(e.detail)))
        .run();
    if (++since_prune_ >= prune_every_) {
      since_prune_ = 0;
      prune();
    }
    return {};
  } catch (const sqlite::Error& err) {
    log::get("auth")->error("cannot record audit event error=\"{}\"", err.what());
    return Error{std::string("audit: ") + err.what()};
  }
}

void AuditLog::prune() {
  // Ids grow with time (AUTOINCREMENT): everything below the newest max_rows_ goes.
  db_.prepare(
         "DELETE FROM audit WHERE id <= (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?)")
      .bind(1, static_cast<int64_t>(max_rows_))
      .run();
  if (int n = db_.changes(); n > 0) log::get("auth")->info("audit pruned rows={}", n);
}

inventory::Outcome<std::vector<AuditEvent>> AuditLog::query(const AuditQuery& q) const {
  std::string sql =
      "SELECT id, time, who, role, method, route, target, status, result, source, detail"
      " FROM audit WHERE 1";
  // "token:" matches every token, "token:ID" that token whatever its name.
  bool kind_only = q.who && q.who->ends_with(':');
  if (q.who) {
    sql += kind_only ? " AND substr(who, 1, ?) = ?" : " AND (who = ? OR substr(who, 1, ?) = ?)";
  }
  if (q.result) sql += " AND result = ?";
  if (q.since) sql += " AND time >= ?";
  sql += " ORDER BY id DESC LIMIT ?";
  try {
    auto s = db_.prepare(sql);
    int i = 1;
    if (kind_only) {
      s.bind(i++, static_cast<int64_t>(q.who->size()));
      s.bind(i++, *q.who);
    } else if (q.who) {
      s.bind(i++, *q.who);
      s.bind(i++, static_cast<int64_t>(q.who->size() + 1));
      s.bind(i++, *q.who + "(");
    }
    if (q.result) s.bind(i++, *q.result);
    if (q.since) s.bind(i++, *q.since);
    s.bind(i, static_cast<int64_t>(std::min(q.limit, kMaxAuditQuery)));
    std::vector<AuditEvent> out;
    while (s.step()) {
      AuditEvent e;
      e.id = s.int64(0);
      e.time = s.int64(1);
      e.who = s.text(2);
      e.role = s.text(3);
      e.method = s.text(4);
      e.route = s.text(5);
      e.target = s.text(6);
      e.status = static_cast<unsigned>(s.int64(7));
      e.result = s.text(8);
      e.source = s.text(9);
      e.detail = s.text(10);
      out.push_back(std::move(e));
    }
    return out;
  } catch (const sqlite::Error& err) {
    return inventory::Refusal{inventory::Refusal::Kind::kStorage,
                              std::string("audit: ") + err.what()};
  }
}

}  // namespace slipway::controlplane
