#include "common/http_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <boost/beast/http.hpp>
#include <ctime>
#include <memory>

#include "common/http_conditional.h"
#include "common/http_range.h"
#include "common/unique_fd.h"

namespace slipway::http {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes = {{
    {".ipxe", "text/plain; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
    {".cfg", "text/plain; charset=utf-8"},
    {".html", "text/html; charset=utf-8"},
    {".json", "application/json"},
    {".gz", "application/gzip"},
    {".iso", "application/x-iso9660-image"},
    {".efi", "application/efi"},
    {".tar", "application/x-tar"},
}};

}  // namespace

std::string_view content_type_for(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

Response serve_file(const Request& req, const std::filesystem::path& path) {
  auto file = std::make_shared<UniqueFd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!file->valid() || ::fstat(file->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return error_response(req, bhttp::status::not_found, "no such file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  FileValidators validators = file_validators(
      size, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
  auto with_validators = [&](auto& res) {
    res.set(bhttp::field::server, "slipway");
    res.set(bhttp::field::etag, validators.etag);
    res.set(bhttp::field::last_modified, http_date(validators.modified));
    res.set(bhttp::field::accept_ranges, "bytes");
  };
  if (not_modified(req[bhttp::field::if_none_match], req[bhttp::field::if_modified_since],
                   validators)) {
    StringResponse res{bhttp::status::not_modified, req.version()};
    with_validators(res);
    res.keep_alive(req.keep_alive());
    return res;
  }
  ByteRange range;
  if (range_applies(req[bhttp::field::if_range], validators)) {
    range = parse_range(req[bhttp::field::range], size);
  }
  if (range.kind == ByteRange::Kind::kUnsatisfiable) {
    auto res = error_response(req, bhttp::status::range_not_satisfiable, "range not satisfiable");
    res.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
    return res;
  }
  FileResponse res{
      range.kind == ByteRange::Kind::kPartial ? bhttp::status::partial_content : bhttp::status::ok,
      req.version()};
  with_validators(res);
  res.set(bhttp::field::content_type, content_type_for(path));
  res.keep_alive(req.keep_alive());
  res.body().file = std::move(file);
  if (range.kind == ByteRange::Kind::kPartial) {
    res.set(bhttp::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                             std::to_string(range.last) + "/" +
                                             std::to_string(size));
    res.body().offset = range.first;
    res.body().length = range.length();
  } else {
    res.body().length = size;
  }
  res.prepare_payload();
  return res;
}

}  // namespace slipway::http
