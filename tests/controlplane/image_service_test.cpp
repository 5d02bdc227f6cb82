// ImageService and its routes: an import request is checked before it is queued, runs on the
// worker thread, and lands in the library on the io_context's thread; the library is listed,
// shown, served and removed over the API. Downloads are exercised by
// tests/integration/image_import_test.sh; here the sources are local files.
#include "controlplane/image_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/sqlite.h"
#include "controlplane/image_routes.h"
#include "controlplane/progress_line.h"
#include "imaging/sha256.h"
#include "tests/common/test_dir.h"
#include "tests/controlplane/api_call.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using nlohmann::json;

class ImageServiceTest : public ::testing::Test {
 protected:
  ImageServiceTest()
      : db_(dir_ / "slipway.db"), library_(db_, dir_.path(), clock_), service_(io_, library_) {
    add_image_routes(router_, service_, library_);
    disk_ = std::string(8192, 'd');
    disk_[510] = '\x55';
    disk_[511] = '\xaa';
    std::ofstream(dir_ / "disk.raw", std::ios::binary) << disk_;
    digest_ = imaging::sha256_hex(std::string_view(disk_));
  }

  ApiAnswer post(const json& body) {
    return call_api(router_, bhttp::verb::post, "/api/v1/images", body.dump());
  }

  // Runs the io_context until the job has finished (at most 10 s).
  json wait_for(uint64_t id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(20));
      auto job = call_api(router_, bhttp::verb::get, "/api/v1/images/jobs/" + std::to_string(id));
      std::string state = job.body["job"]["state"];
      if (state == "done" || state == "failed") return job.body["job"];
      if (std::chrono::steady_clock::now() > deadline) return job.body["job"];
    }
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  imaging::ImageLibrary library_;
  boost::asio::io_context io_;
  ImageService service_;
  http::Router router_;
  std::string disk_;
  std::string digest_;
};

TEST_F(ImageServiceTest, FileImportEndsInTheLibrary) {
  auto started = post({{"source", (dir_ / "disk.raw").string()}, {"sha256", digest_}});
  ASSERT_EQ(started.status, 202u) << started.body.dump();
  EXPECT_EQ(started.body["job"]["name"], "disk") << "named after the file";
  json job = wait_for(started.body["job"]["id"]);
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["bytes_done"], disk_.size());
  EXPECT_EQ(job["image"]["sha256"], digest_);
  EXPECT_EQ(job["image"]["verified"], true);
  EXPECT_EQ(job["image"]["format"], "raw");
  EXPECT_EQ(job["image"]["url"], "/images/sha256/" + digest_);

  auto list = call_api(router_, bhttp::verb::get, "/api/v1/images");
  ASSERT_EQ(list.body["images"].size(), 1u);
  auto shown = call_api(router_, bhttp::verb::get, "/api/v1/images/sha256:" + digest_);
  EXPECT_EQ(shown.body["image"]["name"], "disk");

  http::Request req(bhttp::verb::get, "/images/sha256/" + digest_, 11);
  req.set(bhttp::field::range, "bytes=500-511");
  auto served = router_.dispatch(req, boost::asio::ip::make_address("198.18.0.9"));
  ASSERT_EQ(served.index(), 1u) << "a file response";
  EXPECT_EQ(std::get<http::FileResponse>(served).result(), bhttp::status::partial_content);
  auto by_name = router_.dispatch(http::Request(bhttp::verb::get, "/images/disk", 11),
                                  boost::asio::ip::make_address("198.18.0.9"));
  ASSERT_EQ(by_name.index(), 1u) << "the named image's content";
  EXPECT_EQ(std::get<http::FileResponse>(by_name).body().length, disk_.size());
  for (const std::string& path :
       std::vector<std::string>{"/images/nothing", "/images/" + digest_}) {
    auto none = router_.dispatch(http::Request(bhttp::verb::get, path, 11),
                                 boost::asio::ip::make_address("198.18.0.9"));
    ASSERT_EQ(none.index(), 0u) << path;
    EXPECT_EQ(std::get<http::StringResponse>(none).result(), bhttp::status::not_found) << path;
  }

  auto removed = call_api(router_, bhttp::verb::delete_, "/api/v1/images/disk");
  EXPECT_EQ(removed.status, 200u);
  EXPECT_EQ(call_api(router_, bhttp::verb::get, "/api/v1/images/disk").status, 404u);
  auto gone = router_.dispatch(http::Request(bhttp::verb::get, "/images/sha256/" + digest_, 11),
                               boost::asio::ip::make_address("198.18.0.9"));
  ASSERT_EQ(gone.index(), 0u);
  EXPECT_EQ(std::get<http::StringResponse>(gone).result(), bhttp::status::not_found);
}

TEST_F(ImageServiceTest, MismatchFailsTheJobAndAddsNothing) {
  auto started = post({{"source", (dir_ / "disk.raw").string()},
                       {"name", "bad"},
                       {"sha256", std::string(64, 'a')}});
  ASSERT_EQ(started.status, 202u);
  json job = wait_for(started.body["job"]["id"]);
  EXPECT_EQ(job["state"], "failed");
  EXPECT_NE(job["error"].get<std::string>().find("SHA-256 mismatch"), std::string::npos);
  EXPECT_TRUE(library_.list().empty());
}

TEST_F(ImageServiceTest, RequestsAreCheckedBeforeQueueing) {
  auto status_of = [&](const json& body) { return post(body).status; };
  std::string file = (dir_ / "disk.raw").string();
  EXPECT_EQ(status_of({{"source", file}, {"sha256", "xyz"}}), 400u);
  EXPECT_EQ(status_of({{"source", "disk.raw"}}), 400u) << "relative path";
  EXPECT_EQ(status_of({{"source", "ftp://h/disk.raw"}}), 400u);
  EXPECT_EQ(status_of({{"source", (dir_ / "nope.raw").string()}}), 400u);
  EXPECT_EQ(status_of({{"source", file}, {"name", "Bad Name"}}), 400u);
  EXPECT_EQ(status_of({{"source", file}, {"name", "jobs"}}), 400u);
  EXPECT_EQ(status_of({{"source", file}, {"colour", "red"}}), 400u);
  EXPECT_EQ(status_of({}), 400u);
  EXPECT_EQ(status_of({{"source", file}, {"sha256", digest_}, {"sha256sums", file}}), 400u);

  auto first = post({{"source", file}, {"name", "one"}});
  ASSERT_EQ(first.status, 202u);
  auto busy = post({{"source", file}, {"name", "one"}});
  EXPECT_EQ(busy.status, 409u) << "an unfinished import holds the name";
  wait_for(first.body["job"]["id"]);
  auto taken = post({{"source", file}, {"name", "one"}});
  EXPECT_EQ(taken.status, 409u);
  EXPECT_NE(taken.body["error"].get<std::string>().find("'one' is taken"), std::string::npos);
}

TEST(ProgressLine, WithAndWithoutTotal) {
  EXPECT_EQ(progress_text("fetching", 50 << 20, uint64_t{100} << 20, 10 << 20, 10),
            "fetching  [#####.....]  50%  50 MiB / 100 MiB  10 MiB/s");
  EXPECT_EQ(progress_text("fetching", 3 << 20, std::nullopt, 0, 10), "fetching  3 MiB");
  EXPECT_EQ(progress_text("verifying", 10, uint64_t{10}, 0, 0), "verifying 100%  0 KiB / 0 KiB");
}

}  // namespace
}  // namespace slipway::controlplane
