#include "engine/event_loop.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "engine/output_name.h"
#include "platform/file.h"

namespace fetchpool::engine {
namespace {

namespace fs = std::filesystem;

// While transfers run the loop looks for stalls, deadlines and bodies to make resumable at
// least this often.
constexpr auto kMaxTimerInterval = std::chrono::milliseconds(250);
constexpr auto kMinTimerInterval = std::chrono::milliseconds(50);
constexpr int kIdlePollMs = 1000;
// Bodies up to this size stay in memory and reach the disk in one atomic create.
constexpr std::int64_t kMemoryBodyLimit = 128 * 1024;
constexpr std::size_t kMaxRememberedDirs = 4096;
constexpr std::size_t kMaxSpareBuffers = 64;  // at most 8 MiB held for reuse
constexpr double kMaxRetryAfterS = 300;
// Bodies waiting for the CommitQueue; each holds its body in memory (up to 128 KiB) or
// the last, partial block of one on disk (under 256 KiB).
constexpr std::size_t kMaxQueuedCommits = 64;

// The names a download of NAME keeps its partial data under (see FileSink).
constexpr std::array<std::string_view, 3> kPartSuffixes{".part", ".part.state", ".part.state.tmp"};

// Claims `path` (absolute, normal) for one download of this run. Empty, or why not: it is
// another's name, or another keeps its partial data there, or this one would keep its
// partial data under another's name (a list with both big.iso and big.iso.part).
std::string claim_output(PathClaims& claims, const std::string& path, const std::string& display) {
  auto key = [](const std::string& text) { return std::hash<std::string>{}(text); };
  const std::string advice = ": give one of them another name";
  if (claims.contains(key(path)))
    return "output path '" + display + "' is already used by another download in this run" + advice;
  for (std::string_view suffix : kPartSuffixes) {
    if (path.ends_with(suffix) && claims.contains(key(path.substr(0, path.size() - suffix.size())))) {
      return "output path '" + display + "' is where another download in this run keeps its partial data" +
             advice;
    }
    if (claims.contains(key(path + std::string(suffix)))) {
      return "output path '" + display + "' would keep its partial data in '" + display +
             std::string(suffix) + "', the name of another download in this run" + advice;
    }
  }
  claims.claim(key(path));
  return {};
}

}  // namespace

// A request's own limits, when it sets them, must make sense.
bool valid_limits(const Request& request, std::string* error) {
  if (request.retries && *request.retries < 0) {
    *error = "Request::retries must be 0 or more";
  } else if (request.max_time_s && *request.max_time_s < 0) {
    *error = "Request::max_time_s must be 0 (no limit) or more";
  } else if (request.connections && *request.connections < 1) {
    *error = "Request::connections must be at least 1";
  } else if (request.to_memory && request.memory_limit < 0) {
    *error = "Request::memory_limit must be 0 or more";
  } else {
    return true;
  }
  return false;
}

Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

EventLoop::EventLoop(const EngineOptions& options, std::shared_ptr<Outstanding> outstanding,
                     std::shared_ptr<ProgressBoard> board)
    : options_(options),
      retry_policy_{options.retries, options.retry_wait_s, options.retry_wait_max_s, kMaxRetryAfterS},
      outstanding_(std::move(outstanding)),
      multi_(curl_multi_init()),
      share_(curl_share_init()),
      scheduler_(options.max_concurrent, options.max_per_host),
      commits_(
          &disk_thread_, [this] { mailbox_->wake(); }, kMaxQueuedCommits),
      random_(std::random_device{}()),
      board_(std::move(board)) {
  if (!multi_ || !share_) throw std::runtime_error("cannot create libcurl handles (out of memory?)");
  std::error_code ec;
  base_dir_ = fs::current_path(ec);
  curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(std::max(32, options.max_concurrent * 2)));
  // The per-host cap counts connections, idle ones in libcurl's cache included; the
  // scheduler already keeps transfers within it, so a new one reuses an idle connection.
  if (options.max_per_host > 0)
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_per_host));
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
    take_committed();
    if (shutting_down_) {
      cancel_everything();
      disk_thread_.wait_until_idle();  // those transfers succeeded: their files are due
      take_committed();
      break;
    }
    Clock::time_point now = Clock::now();
    release_due_retries(now);
    start_allowed();
    int still_running = 0;
    curl_multi_perform(multi_.get(), &still_running);
    reap_finished();
    now = Clock::now();
    check_timers(now);
    start_allowed();
    tend_splits(now);
    publish_progress(now);
    curl_multi_poll(multi_.get(), nullptr, 0, poll_timeout_ms(now), nullptr);
  }
  mailbox_->close();
}

int EventLoop::poll_timeout_ms(Clock::time_point now) const {
  Clock::time_point wake = now + std::chrono::milliseconds(kIdlePollMs);
  if (!running_.empty()) wake = std::min(wake, next_timer_check_);
  if (!retry_times_.empty()) wake = std::min(wake, retry_times_.begin()->first);
  if (progress_dirty_ || !running_.empty() || !waiting_.empty()) wake = std::min(wake, next_publish_);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
  return static_cast<int>(std::clamp<std::int64_t>(wait, 0, kIdlePollMs));
}

void EventLoop::take_mail() {
  Mailbox::Batch batch = mailbox_->take();
  submitted_count_ += static_cast<std::int64_t>(batch.submitted.size());
  if (!batch.submitted.empty()) progress_dirty_ = true;
  for (auto& transfer : batch.submitted) {
    try {
      accept(transfer);
    } catch (const std::exception& e) {
      // A library failure while validating: that one request fails. accept() only gives
      // the transfer away once nothing can throw.
      if (transfer) {
        end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input,
                 std::string("cannot start: ") + e.what());
      }
    }
  }
  for (TransferId id : batch.cancelled) cancel(id);
  if (batch.cancel_all) cancel_everything();
  if (batch.shutdown) shutting_down_ = true;
}

void EventLoop::accept(std::unique_ptr<Transfer>& transfer) {
  transfer->options = &options_;
  std::string error;
  if (!http::parse_url(transfer->request.url, &transfer->url, &error)) {
    transfer->url.redacted = http::redact_url(transfer->request.url);
    end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
    return;
  }
  const Request& request = transfer->request;
  if (!valid_limits(request, &error)) {
    end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
    return;
  }
  std::string name = request.file_name;
  if (name.empty()) {
    name = file_name_from_url_path(transfer->url.path);
  } else if (!check_relative_name(name, &error)) {
    end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
    return;
  }
  fs::path root;
  std::string relative;
  if (!locate_output(request.directory, options_.output_dir, name, &root, &relative, &error)) {
    end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
    return;
  }
  fs::path output = (root / relative).lexically_normal();
  transfer->display_path = output.string();

  if (!request.expected_digest.empty()) {
    hash::DigestSpec spec;
    if (!hash::parse_digest_spec(request.expected_digest, &spec, &error)) {
      end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, error);
      return;
    }
    transfer->expected_digest = spec.algorithm + ":" + spec.hex;
  }

  if (!request.to_memory) {
    std::string clash = claim_output(claimed_paths_, (base_dir_ / output).lexically_normal().string(),
                                     transfer->display_path);
    if (!clash.empty()) {
      end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, clash);
      return;
    }
  }
  set_phase(*transfer, TransferPhase::queued);
  scheduler_.enqueue(std::move(transfer));
}

void EventLoop::release_due_retries(Clock::time_point now) {
  while (!retry_times_.empty() && retry_times_.begin()->first <= now) {
    TransferId id = retry_times_.begin()->second;
    retry_times_.erase(retry_times_.begin());
    auto node = waiting_.extract(id);
    if (node.empty()) continue;
    set_phase(*node.mapped(), TransferPhase::queued);
    scheduler_.enqueue_front(std::move(node.mapped()));
  }
}

void EventLoop::start_allowed() {
  while (std::unique_ptr<Transfer> transfer = scheduler_.next()) start(std::move(transfer));
}

void EventLoop::start(std::unique_ptr<Transfer> transfer) {
  // In a directory that was missing or empty when first seen, neither NAME nor NAME.part
  // can be there before this transfer's first attempt: skip looking.
  // A body kept in memory has nothing on disk to find, keep or continue.
  const bool look_on_disk =
      !transfer->request.to_memory && (transfer->attempts > 0 || may_exist(transfer->display_path));
  const Request& request = transfer->request;
  if (!transfer->sink) {
    std::string buffer;
    if (!spare_buffers_.empty()) {
      buffer = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
    // As accept() found it, which it checked.
    std::string name =
        request.file_name.empty() ? file_name_from_url_path(transfer->url.path) : request.file_name;
    fs::path root;
    std::string relative, ignored;
    locate_output(request.directory, options_.output_dir, name, &root, &relative, &ignored);
    transfer->sink.emplace(transfer->display_path, root.string(), relative,
                           request.to_memory ? request.memory_limit : kMemoryBodyLimit, std::move(buffer),
                           request.to_memory, &disk_thread_, &blocks_);
  }
  auto fail_here = [&](std::string message) {
    scheduler_.finished(transfer->url.host_key);
    end_idle(std::move(transfer), Status::failed, ErrorCategory::filesystem, std::move(message));
  };
  if (transfer->attempts == 0 && look_on_disk) {
    bool exists = false;
    std::string why;
    if (!transfer->sink->check_final(options_.if_exists, &exists, &why)) return fail_here(std::move(why));
    if (exists && options_.if_exists == IfExists::skip) {
      scheduler_.finished(transfer->url.host_key);
      end_idle(std::move(transfer), Status::skipped, ErrorCategory::none, "already exists; kept it");
      return;
    }
    if (exists && options_.if_exists == IfExists::fail) {
      return fail_here("'" + transfer->display_path +
                       "' already exists: remove it, or choose to skip or overwrite existing files");
    }
  }
  transfer->resume_from = 0;
  transfer->resume_to = -1;
  transfer->saved_ranges.clear();
  transfer->saved_total = -1;
  transfer->if_range.clear();
  transfer->split_notices = &split_notices_;
  // --no-continue: whatever an earlier run left for this URL is dropped (and only that).
  // After ranges were answered wrongly, nothing on disk is continued either.
  const bool resume = options_.resume && !transfer->ranges_refused;
  if (look_on_disk && (resume || transfer->attempts == 0)) {
    ResumeState saved;
    std::string why;
    // The state file names the URL without its password (it lies on disk beside the data),
    // so that same form is what a resume is matched by.
    transfer->resume_from = transfer->sink->find_resumable(transfer->url.redacted, resume, &saved, &why);
    if (transfer->resume_from < 0) return fail_here(std::move(why));
    if (!saved.ranges.empty()) {
      // A split download left ranges with holes: ask for the first hole; the others
      // follow once the answer shows the same version.
      transfer->resume_to = saved.total;
      for (const ByteRange& range : saved.ranges) {
        if (range.begin > transfer->resume_from) {
          transfer->resume_to = range.begin;
          break;
        }
      }
      transfer->saved_ranges = std::move(saved.ranges);
    }
    if (transfer->resume_from > 0 || transfer->resume_to >= 0) transfer->saved_total = saved.total;
    if (transfer->resume_from > 0 || transfer->resume_to >= 0) transfer->if_range = saved.validator();
  }

  http::CurlEasy easy = take_easy();
  if (!easy) {
    scheduler_.finished(transfer->url.host_key);
    end_idle(std::move(transfer), Status::failed, ErrorCategory::network, "cannot create a libcurl handle");
    return;
  }
  configure_attempt(easy.release(), *transfer);
  Clock::time_point now = Clock::now();
  if (transfer->attempts++ == 0) {
    transfer->first_start = now;
    if (transfer->max_time_s() > 0) transfer->deadline = now + to_duration(transfer->max_time_s());
  }
  transfer->activity.restart(now);
  set_phase(*transfer, TransferPhase::connecting);
  if (running_.empty()) next_timer_check_ = now + kMinTimerInterval;
  curl_multi_add_handle(multi_.get(), transfer->easy);
  emit(*transfer, TransferEvent::Kind::started, 0, {});
  TransferId id = transfer->id;
  running_.emplace(id, std::move(transfer));
}

bool EventLoop::may_exist(const std::string& path) {
  std::string directory = platform::parent_directory(path);
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
    if (SegmentConnection* connection = find_connection(*transfer, message->easy_handle)) {
      end_connection(transfer, connection, message->data.result, Interrupt::none);
    } else {
      end_attempt(transfer, message->data.result, Interrupt::none);
    }
  }
}

void EventLoop::check_timers(Clock::time_point now) {
  if (now < next_timer_check_) return;
  Clock::duration interval = kMaxTimerInterval;
  if (options_.stall_timeout_s > 0) interval = std::min(interval, to_duration(options_.stall_timeout_s) / 10);
  next_timer_check_ = now + std::max<Clock::duration>(interval, kMinTimerInterval);

  const Clock::duration stall_after = to_duration(options_.stall_timeout_s);
  const Clock::duration rate_window = to_duration(min_rate_window_s(options_));
  const std::int64_t min_window_bytes = static_cast<std::int64_t>(
      static_cast<double>(options_.min_rate_bytes_per_s) * min_rate_window_s(options_));
  auto judge_activity = [&](Activity& activity) {
    Clock::duration idle = activity.look(now);
    if (options_.stall_timeout_s > 0 && idle >= stall_after) return Interrupt::stalled;
    if (min_window_bytes > 0 && activity.too_slow(now, rate_window, min_window_bytes))
      return Interrupt::too_slow;
    return Interrupt::none;
  };
  // Silent for half the stall timeout (5 s at most): the scheduler lets another transfer
  // run in its place.
  const Clock::duration silent_after =
      options_.stall_timeout_s > 0
          ? std::clamp<Clock::duration>(stall_after / 2, std::chrono::seconds(1), std::chrono::seconds(5))
          : std::chrono::seconds(5);
  std::unordered_map<std::string, int> silent_by_host;
  std::vector<std::pair<Transfer*, Interrupt>> interrupted;
  std::vector<std::tuple<TransferId, SegmentConnection*, Interrupt>> stalled_connections;
  for (auto& [id, transfer] : running_) {
    if (transfer->activity.look(now) >= silent_after) ++silent_by_host[transfer->url.host_key];
    if (transfer->segmented) transfer->sink->note_ranges(transfer->segmented->planner.done_ranges());
    transfer->sink->maybe_persist(now);
    if (transfer->deadline && now >= *transfer->deadline) {
      interrupted.emplace_back(transfer.get(), Interrupt::deadline);
    } else if (transfer->segmented) {
      for (auto& connection : transfer->segmented->connections) {
        if (Interrupt why = judge_activity(connection->activity); why != Interrupt::none)
          stalled_connections.emplace_back(id, connection.get(), why);
      }
      transfer->activity.look(now);  // for the display; each connection judges its own stall
    } else if (Interrupt why = judge_activity(transfer->activity); why != Interrupt::none) {
      interrupted.emplace_back(transfer.get(), why);
    }
  }
  scheduler_.set_silent(silent_by_host);
  for (auto [transfer, why] : interrupted) end_attempt(transfer, CURLE_OK, why);
  for (auto [id, connection, why] : stalled_connections) {
    // Ending one connection can end its whole transfer: look both up again.
    auto it = running_.find(id);
    if (it == running_.end() || !it->second->segmented) continue;
    const auto& connections = it->second->segmented->connections;
    bool still_there = std::any_of(connections.begin(), connections.end(),
                                   [connection](const auto& c) { return c.get() == connection; });
    if (still_there) end_connection(it->second.get(), connection, CURLE_OK, why);
  }
}

void EventLoop::cancel(TransferId id) {
  if (auto it = running_.find(id); it != running_.end()) {
    end_attempt(it->second.get(), CURLE_OK, Interrupt::cancelled);
  } else if (auto node = waiting_.extract(id); !node.empty()) {
    cancel_idle(std::move(node.mapped()));
  } else if (std::unique_ptr<Transfer> queued = scheduler_.take(id)) {
    cancel_idle(std::move(queued));
  }
}

void EventLoop::cancel_everything() {
  for (auto& queued : scheduler_.take_all()) {
    cancel_idle(std::move(queued));
  }
  retry_times_.clear();
  for (auto& [id, transfer] : std::exchange(waiting_, {})) {
    cancel_idle(std::move(transfer));
  }
  std::vector<Transfer*> running;
  for (auto& [id, transfer] : running_) running.push_back(transfer.get());
  for (Transfer* transfer : running) end_attempt(transfer, CURLE_OK, Interrupt::cancelled);
}

void EventLoop::end_idle(std::unique_ptr<Transfer> transfer, Status status, ErrorCategory category,
                         std::string message) {
  Result result;
  result.status = status;
  result.category = category;
  result.message = std::move(message);
  finish(std::move(transfer), std::move(result));
}

void EventLoop::cancel_idle(std::unique_ptr<Transfer> transfer) {
  // Queued or between attempts: whatever is on disk stays for a later run.
  end_idle(std::move(transfer), Status::cancelled, ErrorCategory::cancelled, "cancelled");
}

void EventLoop::release_easy(Transfer& transfer) {
  CURL* easy = transfer.easy;
  curl_multi_remove_handle(multi_.get(), easy);
  transfer.easy = nullptr;
  transfer.headers.reset();  // after the handle is detached: it pointed at the list
  return_easy(easy);
}

http::CurlEasy EventLoop::take_easy() {
  http::CurlEasy easy;
  if (!idle_easies_.empty()) {
    easy = std::move(idle_easies_.back());
    idle_easies_.pop_back();
  } else {
    easy.reset(curl_easy_init());
    if (easy) configure_new_easy(easy.get(), options_, share_.get());
  }
  return easy;
}

void EventLoop::return_easy(CURL* easy) {
  if (idle_easies_.size() < static_cast<std::size_t>(options_.max_concurrent)) {
    idle_easies_.emplace_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

AttemptContext EventLoop::context_for(const Transfer& transfer, int attempt) {
  AttemptContext context;
  context.attempt = attempt;
  context.policy = retry_policy_;
  context.policy.max_retries = transfer.retries();
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  context.random01 = uniform(random_);
  if (transfer.deadline)
    context.time_left_s = std::chrono::duration<double>(*transfer.deadline - Clock::now()).count();
  context.max_time_s = transfer.max_time_s();
  context.checksum_retried = transfer.checksum_retried;
  context.host_key = transfer.url.host_key;
  context.options = &options_;
  return context;
}

void EventLoop::end_attempt(Transfer* transfer, CURLcode code, Interrupt interrupt) {
  if (transfer->segmented) {
    // Cancelled or out of time: a split download's connections end their own requests.
    end_split(transfer, AttemptOutcome::interrupted(interrupt == Interrupt::cancelled ? Interrupt::cancelled
                                                                                      : Interrupt::deadline));
    return;
  }
  conclude_attempt(*transfer, code, interrupt);
  Verdict verdict = judge(transfer->outcome, context_for(*transfer, transfer->attempts));
  release_easy(*transfer);
  std::unique_ptr<Transfer> owned = std::move(running_.extract(transfer->id).mapped());
  scheduler_.finished(owned->url.host_key);
  const int http_status = owned->http_status;
  settle(std::move(owned), std::move(verdict), http_status);
}

void EventLoop::settle(std::unique_ptr<Transfer> owned, Verdict verdict, int http_status) {
  if (!verdict.attempt_error.empty()) owned->attempt_errors.push_back(std::move(verdict.attempt_error));
  if (verdict.host_struggling) scheduler_.host_struggling(owned->url.host_key, Clock::now());
  Result result;
  result.http_status = http_status;
  switch (verdict.step) {
    case Verdict::Step::commit: {
      result.status = Status::ok;
      scheduler_.host_succeeded(owned->url.host_key);
      set_phase(*owned, TransferPhase::committing);
      if (!owned->request.to_memory && commit_elsewhere(owned, result)) return;
      bool existed = false;
      if (!owned->sink->commit(options_.if_exists, &result.message, &existed))
        note_commit_failure(existed, &result);
      if (owned->request.to_memory) result.body = owned->sink->take_body();
      finish(std::move(owned), std::move(result));
      return;
    }
    case Verdict::Step::cancel:
      owned->sink->suspend();  // kept for resume
      result.status = Status::cancelled;
      break;
    case Verdict::Step::retry:
    case Verdict::Step::fail:
      if (verdict.refuse_ranges) refuse_ranges(*owned);
      if (verdict.checksum_retry) owned->checksum_retried = true;
      if (verdict.drop_part) {
        owned->sink->abandon();
      } else {
        owned->sink->suspend();  // for the next attempt, or a later run
      }
      if (verdict.step == Verdict::Step::retry) {
        schedule_retry(std::move(owned), verdict.delay_s, verdict.message);
        return;
      }
      result.status = Status::failed;
      break;
  }
  result.category = verdict.category;
  result.message = std::move(verdict.message);
  finish(std::move(owned), std::move(result));
}

void EventLoop::refuse_ranges(Transfer& transfer) {
  if (transfer.resume_from == 0 && transfer.resume_to < 0) return;  // asked for no range
  transfer.sink->abandon();
  transfer.ranges_refused = true;
  transfer.split_disabled = true;
}

bool EventLoop::commit_elsewhere(std::unique_ptr<Transfer>& owned, Result& result) {
  if (commits_.full()) return false;
  CommitQueue::Job job;
  job.id = owned->id;
  job.sink = &*owned->sink;
  job.if_exists = options_.if_exists;
  commits_.submit(std::move(job));
  TransferId id = owned->id;
  committing_.emplace(id, std::make_pair(std::move(owned), std::move(result)));
  return true;
}

void EventLoop::take_committed() {
  for (CommitQueue::Done& done : commits_.take_done()) {
    auto node = committing_.extract(done.id);
    if (node.empty()) continue;
    auto& [transfer, result] = node.mapped();
    if (!done.ok) {
      result.message = std::move(done.error);
      note_commit_failure(done.existed, &result);
    }
    finish(std::move(transfer), std::move(result));
  }
}

void EventLoop::keep_spare_buffer(std::string buffer) {
  // Empty storage is not worth keeping.
  if (buffer.capacity() > 0 && spare_buffers_.size() < kMaxSpareBuffers)
    spare_buffers_.push_back(std::move(buffer));
}

void EventLoop::note_commit_failure(bool existed, Result* result) const {
  result->status = existed && options_.if_exists == IfExists::skip ? Status::skipped : Status::failed;
  if (result->status == Status::failed) result->category = ErrorCategory::filesystem;
}

void EventLoop::schedule_retry(std::unique_ptr<Transfer> transfer, double delay_s,
                               const std::string& reason) {
  Clock::time_point when = Clock::now() + to_duration(delay_s);
  transfer->retry_at = when;
  set_phase(*transfer, TransferPhase::waiting);
  emit(*transfer, TransferEvent::Kind::retrying, delay_s, reason);
  TransferId id = transfer->id;
  retry_times_.emplace(when, id);
  waiting_.emplace(id, std::move(transfer));
}

void EventLoop::finish(std::unique_ptr<Transfer> transfer, Result result) {
  if (transfer->sink) keep_spare_buffer(transfer->sink->take_buffer());
  result.attempts = transfer->attempts;
  result.bytes = transfer->sink ? transfer->sink->stored() : 0;
  result.attempt_errors = std::move(transfer->attempt_errors);
  set_phase(*transfer, TransferPhase::ended);
  report(*transfer, std::move(result));
}

void EventLoop::report(Transfer& transfer, Result result) {
  result.id = transfer.id;
  result.url = transfer.url.redacted.empty() ? http::redact_url(transfer.request.url) : transfer.url.redacted;
  if (!transfer.request.to_memory) result.path = transfer.display_path;
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
  if (result.ok()) {
    ++ok_count_;
  } else {
    ++failed_count_;
  }
  if (result.status == Status::ok || result.status == Status::failed) finished_bytes_ += result.bytes;
  progress_dirty_ = true;
  transfer.state->complete(std::move(result));
  bool last = false;
  {
    std::lock_guard lock(outstanding_->mutex);
    last = outstanding_->count == 1;
  }
  // Whoever sees the engine idle (wait_idle) then reads totals that count every transfer.
  if (last) {
    next_publish_ = Clock::time_point{};
    publish_progress(Clock::now());
  }
  std::lock_guard lock(outstanding_->mutex);
  if (--outstanding_->count == 0) outstanding_->idle_cv.notify_all();
}

void EventLoop::emit(const Transfer& transfer, TransferEvent::Kind kind, double retry_in_s,
                     const std::string& message, int attempt) {
  if (!options_.on_event) return;
  TransferEvent event;
  event.kind = kind;
  event.id = transfer.id;
  event.url = transfer.url.redacted;
  event.path = transfer.display_path;
  event.attempt = attempt > 0 ? attempt : transfer.attempts;
  event.max_attempts = transfer.retries() + 1;
  event.retry_in_s = retry_in_s;
  event.message = message;
  try {
    options_.on_event(event);
  } catch (...) {
    // As with on_finished: a throwing callback must not take the loop down.
  }
}

void EventLoop::publish_progress(Clock::time_point now) {
  constexpr auto kPublishInterval = std::chrono::milliseconds(100);
  constexpr double kSmoothing = 0.3;  // weight of the newest sample in the moving averages
  if (now < next_publish_ || !(progress_dirty_ || !running_.empty() || !waiting_.empty())) return;
  next_publish_ = now + kPublishInterval;
  progress_dirty_ = false;
  double dt =
      last_publish_ == Clock::time_point{} ? 0 : std::chrono::duration<double>(now - last_publish_).count();
  last_publish_ = now;
  auto smooth = [&](double previous, double sample) {
    return previous == 0 ? sample : previous + kSmoothing * (sample - previous);
  };

  ProgressSnapshot snapshot;
  ProgressTotals& totals = snapshot.totals;
  std::int64_t running_bytes = 0;
  for (auto& [id, transfer] : running_) {
    TransferProgress item;
    item.id = id;
    item.path = transfer->display_path;
    item.label = transfer->request.label;
    item.phase = transfer->phase == TransferPhase::receiving ? Phase::receiving : Phase::connecting;
    item.bytes = transfer->sink ? transfer->sink->stored() : 0;
    item.total = transfer->expected_total;
    if (dt > 0)
      transfer->rate = smooth(transfer->rate, static_cast<double>(item.bytes - transfer->rate_bytes) / dt);
    transfer->rate_bytes = item.bytes;
    item.rate = std::max(0.0, transfer->rate);
    item.elapsed_s = std::chrono::duration<double>(now - transfer->first_start).count();
    item.idle_s = std::chrono::duration<double>(now - transfer->activity.last()).count();
    if (transfer->activity.moved()) item.idle_s = 0;  // bytes since the last timer check
    item.attempt = transfer->attempts;
    item.max_attempts = transfer->retries() + 1;
    item.connections = transfer->segmented ? static_cast<int>(transfer->segmented->connections.size()) : 1;
    if (item.idle_s >= kStalledAfterSeconds) ++totals.stalled;
    running_bytes += item.bytes;
    snapshot.transfers.push_back(std::move(item));
  }
  for (auto& [id, transfer] : waiting_) {
    TransferProgress item;
    item.id = id;
    item.path = transfer->display_path;
    item.label = transfer->request.label;
    item.phase = Phase::waiting;
    item.bytes = transfer->sink ? transfer->sink->stored() : 0;
    item.total = transfer->expected_total;
    item.elapsed_s = std::chrono::duration<double>(now - transfer->first_start).count();
    item.attempt = transfer->attempts;
    item.max_attempts = transfer->retries() + 1;
    item.retry_in_s = std::max(0.0, std::chrono::duration<double>(transfer->retry_at - now).count());
    if (!transfer->attempt_errors.empty()) item.last_error = transfer->attempt_errors.back();
    snapshot.transfers.push_back(std::move(item));
  }
  std::sort(snapshot.transfers.begin(), snapshot.transfers.end(),
            [](const TransferProgress& a, const TransferProgress& b) { return a.id < b.id; });

  totals.submitted = submitted_count_;
  totals.ok = ok_count_;
  totals.failed = failed_count_;
  // Bodies at the CommitQueue count as running until their files are there.
  for (auto& [id, committing] : committing_) running_bytes += committing.first->sink->stored();
  totals.running = static_cast<std::int64_t>(running_.size() + committing_.size());
  totals.queued = static_cast<std::int64_t>(scheduler_.queued());
  totals.waiting = static_cast<std::int64_t>(waiting_.size());
  totals.bytes = finished_bytes_ + running_bytes;
  if (dt > 0) total_rate_ = smooth(total_rate_, static_cast<double>(totals.bytes - last_total_bytes_) / dt);
  last_total_bytes_ = totals.bytes;
  totals.rate = std::max(0.0, total_rate_);
  totals.elapsed_s = std::chrono::duration<double>(now - started_at_).count();

  std::lock_guard lock(board_->mutex);
  board_->snapshot = std::move(snapshot);
}

}  // namespace fetchpool::engine
