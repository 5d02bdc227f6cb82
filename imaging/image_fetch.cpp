#include "imaging/image_fetch.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

namespace slipway::imaging {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t v = 0;
  auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || next != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
    return a == std::tolower(static_cast<unsigned char>(b));
  });
}

// One HTTP response's headers (the last one after redirects).
struct Answer {
  long status = 0;
  std::string status_line;
  std::optional<uint64_t> content_length;
  // Content-Range: bytes START-END/TOTAL, or bytes */TOTAL (a 416).
  std::optional<uint64_t> range_start;
  std::optional<uint64_t> range_total;
};

void parse_content_range(std::string_view value, Answer& a) {
  if (!value.starts_with("bytes ")) return;
  value.remove_prefix(6);
  size_t slash = value.find('/');
  if (slash == std::string_view::npos) return;
  a.range_total = parse_u64(value.substr(slash + 1));
  std::string_view span = value.substr(0, slash);
  if (span == "*") return;
  a.range_start = parse_u64(span.substr(0, span.find('-')));
}

struct Transfer {
  FILE* file = nullptr;
  uint64_t offset = 0;  // what the file held when the request went out
  uint64_t written = 0;
  Answer answer;
  bool decided = false;
  bool range_refused = false;  // a 206 from the wrong offset: start again from zero
  bool restarted = false;      // the server ignored the range (200): the file was truncated
  bool write_failed = false;
  bool cancelled = false;
  std::optional<uint64_t> total;
  const FetchProgress* progress = nullptr;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  std::string_view line = trim(std::string_view(data, size * count));
  if (line.starts_with("HTTP/")) {
    t.answer = Answer{};
    t.decided = false;
    t.answer.status_line = std::string(line);
    size_t space = line.find(' ');
    if (space != std::string_view::npos) {
      t.answer.status = static_cast<long>(parse_u64(line.substr(space + 1, 3)).value_or(0));
    }
  } else if (header_is(line, "content-length")) {
    t.answer.content_length = parse_u64(trim(line.substr(15)));
  } else if (header_is(line, "content-range")) {
    parse_content_range(trim(line.substr(14)), t.answer);
  }
  return size * count;
}

// The first body bytes of the final answer decide: continue, start over in this transfer, or
// abandon it and start over in the next.
bool decide(Transfer& t) {
  t.decided = true;
  const Answer& a = t.answer;
  if (a.status >= 300) return true;  // an error page: not written (see on_body)
  if (t.offset == 0) {
    if (a.status == 206 && a.range_start.value_or(1) != 0) {
      t.range_refused = true;
      return false;
    }
    t.total = a.status == 206 ? a.range_total : a.content_length;
    return true;
  }
  if (a.status == 206 && a.range_start == t.offset) {
    t.total = a.range_total;
    return true;
  }
  if (a.status == 200) {
    // The whole resource is coming: what the file held is replaced.
    if (::ftruncate(::fileno(t.file), 0) != 0) {
      t.write_failed = true;
      return false;
    }
    t.offset = 0;
    t.restarted = true;
    t.total = a.content_length;
    return true;
  }
  t.range_refused = true;
  return false;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  size_t n = size * count;
  if (!t.decided && !decide(t)) return 0;
  if (t.answer.status >= 300) return n;
  if (std::fwrite(data, 1, n, t.file) != n) {
    t.write_failed = true;
    return 0;
  }
  t.written += n;
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (*t.progress && !(*t.progress)(t.offset + t.written, t.total)) {
    t.cancelled = true;
    return 1;
  }
  return 0;
}

void common_options(CURL* curl, const std::string& url, char* error_buffer, long connect_timeout_s,
                    long stall_timeout_s) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_timeout_s);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "slipway/0.1");
}

std::string curl_message(CURLcode rc, const char* buffer) {
  return buffer[0] ? std::string(buffer) : std::string(curl_easy_strerror(rc));
}

std::string http_error(const Answer& a, const std::string& url) {
  return "the server answered " +
         (a.status_line.empty() ? std::to_string(a.status) : a.status_line) + " for " + url;
}

// Errors no retry can fix.
bool permanent(CURLcode rc) {
  return rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT ||
         rc == CURLE_TOO_MANY_REDIRECTS || rc == CURLE_WRITE_ERROR;
}

uint64_t size_of(const std::filesystem::path& p) {
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  return ec ? 0 : size;
}

}  // namespace

bool is_fetchable_url(std::string_view text) {
  return text.starts_with("http://") || text.starts_with("https://");
}

std::variant<Fetched, FetchError> fetch_resumable(const std::string& url,
                                                  const std::filesystem::path& file,
                                                  const FetchOptions& options,
                                                  const FetchProgress& progress,
                                                  const FetchNote& note) {
  Fetched result;
  result.resumed_from = size_of(file);
  std::string last_error = "no attempt made";
  auto pause = options.first_pause;
  for (int attempt = 1; attempt <= options.attempts; ++attempt) {
    result.attempts = attempt;
    if (attempt > 1) {
      // Sleep in short steps so that a cancel is seen.
      auto until = std::chrono::steady_clock::now() + pause;
      while (std::chrono::steady_clock::now() < until) {
        if (progress && !progress(size_of(file), std::nullopt)) {
          return FetchError{FetchFailure::kCancelled, "cancelled"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      pause *= 2;
    }
    std::unique_ptr<FILE, FileCloser> out(std::fopen(file.c_str(), "ab"));
    if (!out) {
      return FetchError{FetchFailure::kLocal,
                        "cannot write " + file.string() + ": " + std::strerror(errno)};
    }
    Transfer t;
    t.file = out.get();
    t.offset = size_of(file);
    t.progress = &progress;
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return FetchError{FetchFailure::kLocal, "cannot initialise libcurl"};
    char error[CURL_ERROR_SIZE] = {0};
    common_options(curl.get(), url, error, options.connect_timeout_s, options.stall_timeout_s);
    std::string range = std::to_string(t.offset) + "-";
    if (t.offset > 0) {
      curl_easy_setopt(curl.get(), CURLOPT_RANGE, range.c_str());
      result.resumed = true;
      if (note) note("resuming at byte " + std::to_string(t.offset));
    }
    curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &t);
    CURLcode rc = curl_easy_perform(curl.get());
    bool flushed = std::fflush(out.get()) == 0;
    out.reset();
    if (t.cancelled) return FetchError{FetchFailure::kCancelled, "cancelled"};
    if (t.write_failed || !flushed) {
      return FetchError{FetchFailure::kLocal,
                        "cannot write " + file.string() + ": " + std::strerror(errno)};
    }
    if (t.restarted && note) note("the server ignored the range request: restarted from zero");
    if (t.range_refused) {
      std::filesystem::resize_file(file, 0);
      last_error = "the server answered a range request from byte " + std::to_string(t.offset) +
                   " with " + t.answer.status_line;
      if (note) note(last_error + "; restarting from zero");
      continue;
    }
    const Answer& a = t.answer;
    if (rc == CURLE_OK && a.status == 416 && t.offset > 0) {
      if (a.range_total == t.offset) {  // the earlier transfer had it all
        result.size = t.offset;
        return result;
      }
      std::filesystem::resize_file(file, 0);
      last_error = "the server cannot serve from byte " + std::to_string(t.offset) + " (416)";
      if (note) note(last_error + "; restarting from zero");
      continue;
    }
    if (rc == CURLE_OK && a.status >= 400) {
      return FetchError{FetchFailure::kHttp, http_error(a, url)};
    }
    if (rc == CURLE_OK && a.status >= 300) {
      return FetchError{FetchFailure::kHttp, http_error(a, url) + " (too many redirects?)"};
    }
    if (rc == CURLE_OK) {
      uint64_t size = size_of(file);
      if (!t.total || *t.total == size) {
        result.size = size;
        return result;
      }
      last_error =
          "the transfer ended at byte " + std::to_string(size) + " of " + std::to_string(*t.total);
    } else {
      last_error = curl_message(rc, error);
      if (permanent(rc)) return FetchError{FetchFailure::kTransport, last_error};
    }
    if (note && attempt < options.attempts) {
      note("attempt " + std::to_string(attempt) + " failed: " + last_error);
    }
  }
  return FetchError{FetchFailure::kTransport, "cannot fetch " + url + " after " +
                                                  std::to_string(options.attempts) +
                                                  " attempts: " + last_error};
}

Result<std::string> fetch_text(const std::string& url, size_t max_bytes) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Error{"cannot initialise libcurl"};
  char error[CURL_ERROR_SIZE] = {0};
  common_options(curl.get(), url, error, 15, 30);
  struct Sink {
    std::string body;
    size_t max;
  } sink{{}, max_bytes};
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(
      curl.get(), CURLOPT_WRITEFUNCTION,
      +[](char* data, size_t size, size_t count, void* user) -> size_t {
        auto& s = *static_cast<Sink*>(user);
        if (s.body.size() + size * count > s.max) return 0;
        s.body.append(data, size * count);
        return size * count;
      });
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc == CURLE_WRITE_ERROR) {
    return Error{url + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  if (rc != CURLE_OK) return Error{"cannot fetch " + url + ": " + curl_message(rc, error)};
  return std::move(sink.body);
}

}  // namespace slipway::imaging
