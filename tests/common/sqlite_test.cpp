#include "common/sqlite.h"

#include <gtest/gtest.h>

#include <array>

#include "tests/common/test_dir.h"

namespace slipway::sqlite {
namespace {

constexpr std::array<std::string_view, 2> kSteps = {
    "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)",
    "ALTER TABLE t ADD COLUMN w INTEGER NOT NULL DEFAULT 7",
};

TEST(Sqlite, MigratesOnceAndPersists) {
  testutil::TestDir dir;
  {
    Database db(dir / "a.db");
    migrate(db, "test", kSteps);
    migrate(db, "test", kSteps);  // a second run applies nothing
    auto ins = db.prepare("INSERT INTO t(k, v) VALUES(?, ?)");
    ins.bind(1, int64_t{1}).bind(2, "one");
    ins.run();
  }
  Database db(dir / "a.db");
  migrate(db, "test", kSteps);
  auto q = db.prepare("SELECT v, w FROM t WHERE k = 1");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "one");
  EXPECT_EQ(q.int64(1), 7);
}

TEST(Sqlite, RefusesSchemaNewerThanTheProgram) {
  testutil::TestDir dir;
  Database db(dir / "a.db");
  migrate(db, "test", kSteps);
  EXPECT_THROW(migrate(db, "test", std::span(kSteps).first(1)), Error);
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  testutil::TestDir dir;
  Database db(dir / "a.db");
  migrate(db, "test", kSteps);
  {
    Transaction tx(db);
    db.exec("INSERT INTO t(k, v) VALUES(1, 'gone')");
  }
  {
    Transaction tx(db);
    db.exec("INSERT INTO t(k, v) VALUES(2, 'kept')");
    tx.commit();
  }
  auto q = db.prepare("SELECT group_concat(v) FROM t");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "kept");
}

TEST(Sqlite, ErrorsAreExceptionsWithTheReason) {
  testutil::TestDir dir;
  Database db(dir / "a.db");
  EXPECT_THROW(db.prepare("SELEKT 1"), Error);
  migrate(db, "test", kSteps);
  db.exec("INSERT INTO t(k, v) VALUES(1, 'x')");
  try {
    db.exec("INSERT INTO t(k, v) VALUES(1, 'y')");
    FAIL() << "duplicate key accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("UNIQUE"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace slipway::sqlite
