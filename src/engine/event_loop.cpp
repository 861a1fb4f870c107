#include "engine/event_loop.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "engine/output_name.h"

namespace fetchpool::engine {
namespace {

namespace fs = std::filesystem;

// The loop wakes at least this often while transfers run, to look for stalls.
constexpr auto kMaxStallCheckInterval = std::chrono::milliseconds(1000);
constexpr auto kMinStallCheckInterval = std::chrono::milliseconds(50);
constexpr int kIdlePollMs = 1000;
// Bodies up to this size stay in memory and reach the disk in one atomic create.
constexpr std::int64_t kMemoryBodyLimit = 128 * 1024;
constexpr std::size_t kMaxRememberedDirs = 4096;
constexpr std::size_t kMaxSpareBuffers = 64;  // at most 8 MiB held for reuse

std::string http_failure_message(const Transfer& transfer, long status) {
  // "HTTP/1.1 404 Not Found" -> "HTTP 404 Not Found"; HTTP/2 has no reason phrase.
  std::string message = "HTTP " + std::to_string(status);
  const std::string& line = transfer.status_line;
  std::size_t code_at = line.find(' ');
  if (code_at != std::string::npos) {
    std::size_t reason_at = line.find(' ', code_at + 1);
    if (reason_at != std::string::npos && reason_at + 1 < line.size()) message += line.substr(reason_at);
  }
  return message;
}

}  // namespace

EventLoop::EventLoop(const EngineOptions& options, std::shared_ptr<Outstanding> outstanding)
    : options_(options),
      outstanding_(std::move(outstanding)),
      multi_(curl_multi_init()),
      share_(curl_share_init()),
      scheduler_(options.max_concurrent, options.max_per_host) {
  if (!multi_ || !share_) throw std::runtime_error("cannot create libcurl handles (out of memory?)");
  std::error_code ec;
  base_dir_ = fs::current_path(ec);
  curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(std::max(32, options.max_concurrent * 2)));
  // One loop thread uses the share, so it needs no lock callbacks.
  curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  mailbox_ = std::make_shared<Mailbox>(multi_.get());
}

EventLoop::~EventLoop() {
  mailbox_->close();
  idle_easies_.clear();  // before the share they point at
}

void EventLoop::run() {
  for (;;) {
    take_mail();
    if (shutting_down_) {
      cancel_everything();
      break;
    }
    start_allowed();
    int still_running = 0;
    curl_multi_perform(multi_.get(), &still_running);
    reap_finished();
    Clock::time_point now = Clock::now();
    check_stalls(now);
    start_allowed();

    int timeout_ms = kIdlePollMs;
    if (!running_.empty() && options_.stall_timeout_s > 0) {
      auto until_check = std::chrono::duration_cast<std::chrono::milliseconds>(next_stall_check_ - now);
      timeout_ms = static_cast<int>(std::clamp<std::int64_t>(until_check.count(), 0, kIdlePollMs));
    }
    curl_multi_poll(multi_.get(), nullptr, 0, timeout_ms, nullptr);
  }
  mailbox_->close();
}

void EventLoop::take_mail() {
  Mailbox::Batch batch = mailbox_->take();
  for (auto& transfer : batch.submitted) {
    try {
      accept(transfer);
    } catch (const std::exception& e) {
      // A library failure while validating (e.g. OpenSSL cannot set up the digest): that
      // one request fails; accept() only gives the transfer away once nothing can throw.
      if (transfer) {
        end_unstarted(std::move(transfer), Status::failed, ErrorCategory::invalid_input,
                      std::string("cannot start: ") + e.what());
      }
    }
  }
  for (TransferId id : batch.cancelled) cancel(id);
  if (batch.cancel_all) cancel_everything();
  if (batch.shutdown) shutting_down_ = true;
}

void EventLoop::accept(std::unique_ptr<Transfer>& transfer) {
  std::string error;
  if (!http::parse_url(transfer->request.url, &transfer->url, &error)) {
    transfer->url.redacted = http::redact_url(transfer->request.url);
    end_unstarted(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
    return;
  }
  const Request& request = transfer->request;
  std::string name = request.file_name;
  if (name.empty()) {
    name = file_name_from_url_path(transfer->url.path);
  } else if (!check_relative_name(name, &error)) {
    end_unstarted(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
    return;
  }
  const fs::path& directory = request.directory.empty() ? options_.output_dir : request.directory;
  fs::path output = (directory / fs::path(name)).lexically_normal();
  transfer->display_path = output.string();

  if (!request.expected_digest.empty()) {
    hash::DigestSpec spec;
    if (!hash::parse_digest_spec(request.expected_digest, &spec, &error)) {
      end_unstarted(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
      return;
    }
    transfer->digest.emplace(spec.algorithm);
    transfer->expected_hex = spec.hex;
  }

  std::uint64_t claim = std::hash<std::string>{}((base_dir_ / output).lexically_normal().string());
  if (!claimed_paths_.insert(claim).second) {
    end_unstarted(std::move(transfer), Status::failed, ErrorCategory::invalid_input,
                  "output path '" + transfer->display_path +
                      "' is already used by another download in this run: give one of them another name");
    return;
  }
  scheduler_.enqueue(std::move(transfer));
}

void EventLoop::start_allowed() {
  while (std::unique_ptr<Transfer> transfer = scheduler_.next()) start(std::move(transfer));
}

bool EventLoop::start(std::unique_ptr<Transfer> transfer) {
  if (options_.if_exists != IfExists::overwrite && may_exist(transfer->display_path)) {
    std::error_code ec;
    if (fs::exists(fs::path(transfer->display_path), ec)) {
      scheduler_.finished(transfer->url.host_key);
      if (options_.if_exists == IfExists::skip) {
        end_unstarted(std::move(transfer), Status::skipped, ErrorCategory::none, "already exists; kept it");
      } else {
        std::string message = "'" + transfer->display_path +
                              "' already exists: remove it, or choose to skip or overwrite existing files";
        end_unstarted(std::move(transfer), Status::failed, ErrorCategory::filesystem, message);
      }
      return false;
    }
  }
  std::string buffer;
  if (!spare_buffers_.empty()) {
    buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  transfer->sink.emplace(transfer->display_path, kMemoryBodyLimit, std::move(buffer));

  http::CurlEasy easy;
  if (!idle_easies_.empty()) {
    easy = std::move(idle_easies_.back());
    idle_easies_.pop_back();
  } else {
    easy.reset(curl_easy_init());
    if (easy) configure_new_easy(easy.get(), options_, share_.get());
  }
  if (!easy) {
    scheduler_.finished(transfer->url.host_key);
    end_unstarted(std::move(transfer), Status::failed, ErrorCategory::network,
                  "cannot create a libcurl handle");
    return false;
  }
  configure_attempt(easy.release(), *transfer);
  Clock::time_point now = Clock::now();
  if (transfer->attempts++ == 0) transfer->first_start = now;
  transfer->last_activity = now;
  if (running_.empty()) next_stall_check_ = now + kMinStallCheckInterval;
  curl_multi_add_handle(multi_.get(), transfer->easy);
  TransferId id = transfer->id;
  running_.emplace(id, std::move(transfer));
  return true;
}

bool EventLoop::may_exist(const std::string& path) {
  std::string directory = fs::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  auto it = fresh_dirs_.find(directory);
  if (it != fresh_dirs_.end()) return !it->second;
  std::error_code ec;
  fs::directory_iterator entries(fs::path(directory), ec);
  bool fresh = ec == std::errc::no_such_file_or_directory || (!ec && entries == fs::directory_iterator());
  if (fresh_dirs_.size() < kMaxRememberedDirs) fresh_dirs_.emplace(std::move(directory), fresh);
  return !fresh;
}

void EventLoop::reap_finished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&transfer));
    end_running(transfer, message->data.result, false, false);
  }
}

void EventLoop::check_stalls(Clock::time_point now) {
  if (options_.stall_timeout_s <= 0 || now < next_stall_check_) return;
  auto stall_after =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.stall_timeout_s));
  auto interval =
      std::clamp<Clock::duration>(stall_after / 10, kMinStallCheckInterval, kMaxStallCheckInterval);
  next_stall_check_ = now + interval;
  std::vector<Transfer*> stalled;
  for (auto& [id, transfer] : running_) {
    if (transfer->activity != transfer->activity_seen) {
      transfer->activity_seen = transfer->activity;
      transfer->last_activity = now;
    } else if (now - transfer->last_activity >= stall_after) {
      stalled.push_back(transfer.get());
    }
  }
  for (Transfer* transfer : stalled) end_running(transfer, CURLE_OK, false, true);
}

void EventLoop::cancel(TransferId id) {
  auto it = running_.find(id);
  if (it != running_.end()) {
    end_running(it->second.get(), CURLE_OK, true, false);
    return;
  }
  if (std::unique_ptr<Transfer> queued = scheduler_.take(id)) {
    end_unstarted(std::move(queued), Status::cancelled, ErrorCategory::cancelled, "cancelled");
  }
}

void EventLoop::cancel_everything() {
  for (auto& queued : scheduler_.take_all()) {
    end_unstarted(std::move(queued), Status::cancelled, ErrorCategory::cancelled, "cancelled");
  }
  std::vector<Transfer*> running;
  for (auto& [id, transfer] : running_) running.push_back(transfer.get());
  for (Transfer* transfer : running) end_running(transfer, CURLE_OK, true, false);
}

void EventLoop::end_unstarted(std::unique_ptr<Transfer> transfer, Status status, ErrorCategory category,
                              std::string message) {
  Result result;
  result.status = status;
  result.category = category;
  result.message = std::move(message);
  result.attempts = transfer->attempts;
  report(*transfer, std::move(result));
}

void EventLoop::end_running(Transfer* transfer, CURLcode code, bool cancelled, bool stalled) {
  CURL* easy = transfer->easy;
  curl_multi_remove_handle(multi_.get(), easy);
  long http_status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http_status);
  transfer->http_status = static_cast<int>(http_status);

  Result result;
  result.status = Status::failed;
  if (cancelled) {
    result.status = Status::cancelled;
    result.category = ErrorCategory::cancelled;
    result.message = "cancelled";
  } else if (stalled) {
    result.category = ErrorCategory::stalled;
    result.message = "no data received for " + std::to_string(static_cast<int>(options_.stall_timeout_s)) +
                     " s (stall timeout)";
  } else if (code != CURLE_OK) {
    describe_failure(code, *transfer, options_, &result);
  } else if (http_status >= 400) {
    result.category = ErrorCategory::http;
    result.message = http_failure_message(*transfer, http_status);
  } else if (transfer->digest && transfer->digest->finish() != transfer->expected_hex) {
    result.category = ErrorCategory::checksum;
    result.message = "checksum mismatch: expected " + transfer->request.expected_digest +
                     "; the downloaded bytes differ, nothing was kept";
  } else {
    result.status = Status::ok;
  }

  transfer->easy = nullptr;
  transfer->headers.reset();  // after the handle is detached: it pointed at the list
  if (idle_easies_.size() < static_cast<std::size_t>(options_.max_concurrent)) {
    idle_easies_.emplace_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }

  std::unique_ptr<Transfer> owned = std::move(running_.extract(transfer->id).mapped());
  FileSink& sink = *owned->sink;
  // Measured: committing here beats a separate disk thread on small files (the handoff
  // costs more thread switches than the file system work it moves); see docs/ENGINE.md.
  if (bool existed = false;
      result.status == Status::ok && !sink.commit(options_.if_exists, &result.message, &existed)) {
    if (existed && options_.if_exists == IfExists::skip) {
      result.status = Status::skipped;
    } else {
      result.status = Status::failed;
      result.category = ErrorCategory::filesystem;
    }
  }
  if (result.status != Status::ok) sink.abandon();
  if (spare_buffers_.size() < kMaxSpareBuffers) spare_buffers_.push_back(sink.take_buffer());
  scheduler_.finished(owned->url.host_key);
  fill_counts(*owned, &result);
  report(*owned, std::move(result));
}

void EventLoop::fill_counts(const Transfer& transfer, Result* result) {
  result->http_status = transfer.http_status;
  result->attempts = transfer.attempts;
  result->bytes = transfer.bytes;
}

void EventLoop::report(Transfer& transfer, Result result) {
  result.id = transfer.id;
  result.url = transfer.url.redacted.empty() ? http::redact_url(transfer.request.url) : transfer.url.redacted;
  result.path = transfer.display_path;
  if (transfer.attempts > 0) {
    result.elapsed_s = std::chrono::duration<double>(Clock::now() - transfer.first_start).count();
  }
  if (options_.on_finished) {
    try {
      options_.on_finished(result);
    } catch (...) {
      // Documented: a throwing callback must not take the loop down.
    }
  }
  transfer.state->complete(std::move(result));
  std::lock_guard lock(outstanding_->mutex);
  if (--outstanding_->count == 0) outstanding_->idle_cv.notify_all();
}

}  // namespace fetchpool::engine
