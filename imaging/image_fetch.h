#pragma once
// Downloads over HTTP(S) with libcurl, resumable: a transfer that drops is retried from where it
// stopped (a Range request), a few times with a doubling pause, and a later fetch into the same
// file continues from what an earlier one left. The server's answer to a Range request is
// checked: 206 with a Content-Range starting at the requested offset continues; a 200 (range
// ignored), a 206 from another offset or a 416 restart from zero.
//
// Blocking: call it from a worker thread, never from the io_context's. Cancelled through the
// progress callback.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"

namespace slipway::imaging {

struct FetchOptions {
  int attempts = 5;  // transfers in all, the first included
  std::chrono::milliseconds first_pause{500};
  long connect_timeout_s = 15;
  // A transfer slower than 1 byte/s for this long is dropped (and retried).
  long stall_timeout_s = 30;
};

// Called often during the transfer: bytes in the file so far, and the total when the server
// said it. Returning false cancels the fetch.
using FetchProgress = std::function<bool(uint64_t done, std::optional<uint64_t> total)>;
// Told about each retry, resume and restart, for the job's log.
using FetchNote = std::function<void(const std::string& note)>;

enum class FetchFailure {
  kTransport,  // the network failed (refused, reset, truncated, timed out) on every attempt
  kHttp,       // the server answered with an error status (404, 403, 500...)
  kCancelled,
  kLocal,  // the file could not be written
};

struct FetchError {
  FetchFailure kind;
  std::string message;  // curl's own message included
};

struct Fetched {
  uint64_t size = 0;
  int attempts = 0;
  uint64_t resumed_from = 0;  // bytes the first transfer found in the file already
  bool resumed = false;       // some transfer continued a partial file
};

// Fetches `url` into `file`, continuing from the bytes it holds already. On success `file` holds
// exactly the resource (its size equals what the server announced, when it did).
std::variant<Fetched, FetchError> fetch_resumable(const std::string& url,
                                                  const std::filesystem::path& file,
                                                  const FetchOptions& options,
                                                  const FetchProgress& progress,
                                                  const FetchNote& note);

// A small resource (a SHA256SUMS file) into memory; refused above max_bytes.
Result<std::string> fetch_text(const std::string& url, size_t max_bytes);

// True for the URLs fetch_resumable takes (http:// and https://).
bool is_fetchable_url(std::string_view text);

}  // namespace slipway::imaging
