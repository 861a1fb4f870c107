#include "engine/event_loop.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <utility>

#include "platform/file.h"

namespace fetchpool::engine {
namespace {

// While transfers run the loop looks for stalls, deadlines and bodies to make resumable at
// least this often.
constexpr auto kMaxTimerInterval = std::chrono::milliseconds(250);
constexpr auto kMinTimerInterval = std::chrono::milliseconds(50);
// Under a rate cap, how often the buckets refill and paused handles resume.
constexpr auto kCapTurn = std::chrono::milliseconds(10);
constexpr int kIdlePollMs = 1000;
// Bodies up to this size stay in memory and reach the disk in one atomic create.
constexpr std::int64_t kMemoryBodyLimit = 128 * 1024;
constexpr std::size_t kMaxSpareBuffers = 64;  // at most 8 MiB held for reuse
constexpr double kMaxRetryAfterS = 300;
// Bodies waiting for the CommitQueue; each holds its body in memory (up to 128 KiB) or
// the last, partial block of one on disk (under 256 KiB).
constexpr std::size_t kMaxQueuedCommits = 64;

// One disk thread per core, two at least (creating files can keep one busy while the loop
// waits on it) and four at most (past that they only queue at the same disk).
std::size_t disk_thread_count() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4);
}

}  // namespace

Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

EventLoop::EventLoop(const EngineOptions& options, std::shared_ptr<Outstanding> outstanding,
                     std::shared_ptr<ProgressBoard> board)
    : options_(options),
      proxy_rules_(http::ProxyRules::resolve(options.proxy, options.no_proxy, std::getenv)),
      retry_policy_{options.retries, options.retry_wait_s, options.retry_wait_max_s, kMaxRetryAfterS},
      outstanding_(std::move(outstanding)),
      multi_(curl_multi_init()),
      scheduler_(options.max_concurrent, options.max_per_host),
      commits_([this] { mailbox_->wake(); }, kMaxQueuedCommits),
      disk_threads_(disk_thread_count()),
      random_(std::random_device{}()),
      progress_(std::move(board)) {
  if (!multi_) throw std::runtime_error("cannot create libcurl handles (out of memory?)");
  curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(std::max(32, options.max_concurrent * 2)));
  // The per-host cap counts connections, idle ones in libcurl's cache included; the
  // scheduler already keeps transfers within it, so a new one reuses an idle connection.
  if (options.max_per_host > 0)
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_per_host));
  mailbox_ = std::make_shared<Mailbox>(multi_.get());
  if (options.max_bytes_per_s > 0) run_cap_.emplace(options.max_bytes_per_s, Clock::now());
}

EventLoop::~EventLoop() {
  mailbox_->close();
}

void EventLoop::run() {
  for (;;) {
    take_mail();
    take_committed();
    if (shutting_down_) {
      cancel_everything();
      disk_threads_.wait_until_idle();  // those transfers succeeded: their files are due
      take_committed();
      break;
    }
    Clock::time_point now = Clock::now();
    release_due_retries(now);
    start_allowed();
    int still_running = 0;
    curl_multi_perform(multi_.get(), &still_running);
    take_notices();  // before a transfer that ended in that perform is reaped
    reap_finished();
    now = Clock::now();
    check_timers(now);
    start_allowed();
    tend_splits(now);
    scheduler_.end_turn();  // the splits planned in this turn's perform have their connections now
    release_capped(now);
    progress_.publish(now, view());
    curl_multi_poll(multi_.get(), nullptr, 0, poll_timeout_ms(now), nullptr);
  }
  mailbox_->close();
}

int EventLoop::poll_timeout_ms(Clock::time_point now) const {
  Clock::time_point wake = now + std::chrono::milliseconds(kIdlePollMs);
  if (!running_.empty()) wake = std::min(wake, next_timer_check_);
  if (run_cap_ || any_rate_capped_) wake = std::min(wake, now + kCapTurn);  // refill, resume
  if (!retry_times_.empty()) wake = std::min(wake, retry_times_.begin()->first);
  if (auto publish = progress_.next_due(!running_.empty() || !waiting_.empty()))
    wake = std::min(wake, *publish);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
  return static_cast<int>(std::clamp<std::int64_t>(wait, 0, kIdlePollMs));
}

void EventLoop::take_mail() {
  Mailbox::Batch batch = mailbox_->take();
  progress_.note_submitted(static_cast<std::int64_t>(batch.submitted.size()));
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
  transfer->proxy_rules = &proxy_rules_;
  std::string error;
  if (!admission_.admit(*transfer, &error)) {
    end_idle(std::move(transfer), Status::failed, ErrorCategory::invalid_input, std::move(error));
    return;
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
  platform::take_descriptor_shortage();  // what an earlier transfer's failure left
  // In a directory that was missing or empty when first seen, neither NAME nor NAME.part
  // can be there before this transfer's first attempt: skip looking.
  // A body kept in memory has nothing on disk to find, keep or continue.
  const bool look_on_disk = !transfer->request.to_memory &&
                            (transfer->attempts > 0 || admission_.may_exist(transfer->display_path));
  const Request& request = transfer->request;
  if (!transfer->sink) {
    std::string buffer;
    if (!spare_buffers_.empty()) {
      buffer = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
    // A region is where every byte of its body goes: none is held in memory first.
    const std::int64_t memory_limit = request.to_memory     ? request.memory_limit
                                      : request.into_region ? 0
                                                            : kMemoryBodyLimit;
    transfer->sink.emplace(transfer->display_path, transfer->output_root, transfer->output_relative,
                           memory_limit, std::move(buffer), request.to_memory, disk_threads_.next(),
                           &blocks_);
    if (request.into_region)
      transfer->sink->write_into_region(request.into_region->file.string(), request.into_region->offset,
                                        request.into_region->size);
  }
  auto fail_here = [&](std::string message) {
    scheduler_.finished(transfer->url.host_key);
    // The checks of a first attempt (NAME there already?) run again after the wait.
    if (platform::take_descriptor_shortage()) {
      if (std::optional<double> delay = descriptor_wait(*transfer)) {
        transfer->attempt_errors.push_back("before attempt " + std::to_string(transfer->attempts + 1) + ": " +
                                           message);
        schedule_retry(std::move(transfer), *delay, message);
        return;
      }
    }
    end_idle(std::move(transfer), Status::failed, ErrorCategory::filesystem, std::move(message));
  };
  // A name the server gives is known only with the answer: start_body() looks then.
  if (transfer->attempts == 0 && look_on_disk && !request.name_from_server) {
    bool exists = false;
    std::string why;
    if (!transfer->sink->check_final(transfer->if_exists(), &exists, &why)) return fail_here(std::move(why));
    if (exists && transfer->if_exists() == IfExists::skip) {
      scheduler_.finished(transfer->url.host_key);
      end_idle(std::move(transfer), Status::skipped, ErrorCategory::none, "already exists; kept it");
      return;
    }
    if (exists && transfer->if_exists() == IfExists::fail) {
      return fail_here(already_exists_message(transfer->display_path));
    }
  }
  transfer->notices = &notices_;
  transfer->scheduler = &scheduler_;
  // --no-continue: whatever an earlier run left for this URL is dropped (and only that).
  // After ranges were answered wrongly, nothing on disk is continued either.
  std::string why;
  if (!find_start(*transfer, look_on_disk, options_.resume && !transfer->ranges_refused, &why))
    return fail_here(std::move(why));

  http::CurlEasy easy = easies_.take();
  if (!easy) {
    scheduler_.finished(transfer->url.host_key);
    end_idle(std::move(transfer), Status::failed, ErrorCategory::network, "cannot create a libcurl handle");
    return;
  }
  if (!transfer->source_tried.empty()) transfer->source_tried[transfer->source] = true;
  restart_at_url(*transfer);
  configure_attempt(easy.release(), *transfer);
  Clock::time_point now = Clock::now();
  if (transfer->attempts++ == 0) {
    transfer->first_start = now;
    if (transfer->max_time_s() > 0) transfer->deadline = now + to_duration(transfer->max_time_s());
  }
  transfer->activity.restart(now);
  set_phase(*transfer, TransferPhase::connecting);
  if (running_.empty()) next_timer_check_ = now + kMinTimerInterval;
  transfer->run_cap = run_cap_ ? &*run_cap_ : nullptr;
  transfer->paused_by_cap = false;
  if (transfer->request.max_bytes_per_s) {
    if (!transfer->own_cap)
      transfer->own_cap = std::make_unique<RateBucket>(*transfer->request.max_bytes_per_s, now);
    any_rate_capped_ = true;  // release_capped() looks from now on
  }
  curl_multi_add_handle(multi_.get(), transfer->easy);
  emit(*transfer, TransferEvent::Kind::started, 0, {});
  TransferId id = transfer->id;
  running_.emplace(id, std::move(transfer));
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
  std::int64_t min_rate = options_.min_rate_bytes_per_s;
  if (smallest_rate_share_ > 0) min_rate = std::min(min_rate, smallest_rate_share_ / 2);
  const std::int64_t min_window_bytes =
      static_cast<std::int64_t>(static_cast<double>(min_rate) * min_rate_window_s(options_));
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

void EventLoop::release_capped(Clock::time_point now) {
  if (!run_cap_ && !any_rate_capped_) return;
  if (run_cap_) run_cap_->refill(now);
  const bool run_open = !run_cap_ || !run_cap_->empty();
  std::size_t handles = 0;
  std::int64_t smallest_own = 0;
  any_rate_capped_ = false;
  std::vector<CURL*> resume;
  for (auto& [id, transfer] : running_) {
    const std::size_t own = transfer->segmented ? transfer->segmented->connections.size() : 1;
    handles += own;
    bool open = run_open;
    if (transfer->own_cap) {
      any_rate_capped_ = true;
      transfer->own_cap->refill(now);
      open = open && !transfer->own_cap->empty();
      const std::int64_t share =
          transfer->own_cap->rate() / static_cast<std::int64_t>(std::max<std::size_t>(own, 1));
      smallest_own = smallest_own == 0 ? share : std::min(smallest_own, share);
    }
    // A handle held by the cap is not idle: neither stalled nor too slow for it.
    if (transfer->paused_by_cap) {
      transfer->activity.bump();
      if (open && transfer->easy != nullptr) {
        transfer->paused_by_cap = false;
        resume.push_back(transfer->easy);
      }
    }
    if (!transfer->segmented) continue;
    for (auto& connection : transfer->segmented->connections) {
      if (!connection->paused_by_cap) continue;
      connection->activity.bump();
      transfer->activity.bump();
      if (open) {
        connection->paused_by_cap = false;
        resume.push_back(connection->easy);
      }
    }
  }
  std::int64_t smallest = smallest_own;
  if (run_cap_ && handles > 0) {
    const std::int64_t share = run_cap_->rate() / static_cast<std::int64_t>(handles);
    smallest = smallest == 0 ? share : std::min(smallest, share);
  }
  smallest_rate_share_ = std::max<std::int64_t>(smallest, run_cap_ || any_rate_capped_ ? 1 : 0);
  // libcurl hands each one the bytes it kept at once, and the first to go may empty the
  // run's bucket for the others: who goes first turns, or one transfer would starve.
  if (!resume.empty())
    std::rotate(resume.begin(), resume.begin() + static_cast<std::ptrdiff_t>(cap_turns_++ % resume.size()),
                resume.end());
  for (CURL* easy : resume) curl_easy_pause(easy, CURLPAUSE_CONT);
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
  easies_.give_back(easy, !std::exchange(transfer.paused_by_cap, false));
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
  context.proxy = transfer.proxy.direct() ? std::string() : transfer.proxy.shown();
  context.hops = transfer.hops;
  context.sends_body = transfer.request.post_body && transfer.hop_posts;
  context.options = &options_;
  return context;
}

void EventLoop::follow(Transfer& transfer, const std::string& target) {
  // Same attempt, same slot and handle (its connection cache may serve the next host too).
  curl_multi_remove_handle(multi_.get(), transfer.easy);
  const bool trusted_before = transfer.hop_trusted;
  follow_to(transfer, target);
  configure_attempt(transfer.easy, transfer);
  transfer.activity.restart(Clock::now());
  std::string note = "to " + http::redact_url(target);
  if (trusted_before && !transfer.hop_trusted) {
    std::string dropped;
    for (const std::string& header : transfer.request.headers)
      if (!is_harmless_header(header))
        dropped += (dropped.empty() ? "" : ", ") + header.substr(0, header.find(':'));
    note += "; credentials not sent there";
    if (!dropped.empty()) note += ", nor the headers " + dropped;
  }
  emit(transfer, TransferEvent::Kind::redirected, 0, note);
  curl_multi_add_handle(multi_.get(), transfer.easy);
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
  if (verdict.step == Verdict::Step::follow) return follow(*transfer, verdict.target);
  release_easy(*transfer);
  std::unique_ptr<Transfer> owned = std::move(running_.extract(transfer->id).mapped());
  scheduler_.finished(owned->url.host_key);
  const int http_status = owned->http_status;
  settle(std::move(owned), std::move(verdict), http_status);
}

namespace {

/// Whether the same file from another server may fare better than this failure did.
bool another_server_may_help(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::network:
    case ErrorCategory::tls:
    case ErrorCategory::timeout:
    case ErrorCategory::stalled:
    case ErrorCategory::http:
    case ErrorCategory::checksum:
    case ErrorCategory::protocol: return true;
    default: return false;
  }
}

}  // namespace

void EventLoop::turn_to_mirror(Transfer& transfer, Verdict& verdict) {
  const std::size_t count = transfer.sources.size();
  if (count < 2 || !another_server_may_help(verdict.category)) return;
  if (transfer.deadline && Clock::now() >= *transfer.deadline) return;  // the file's own time is up
  if (verdict.step == Verdict::Step::fail) transfer.source_failed[transfer.source] = true;
  std::size_t next = transfer.source;
  for (std::size_t step = 1; step <= count; ++step) {
    std::size_t candidate = (transfer.source + step) % count;
    if (!transfer.source_failed[candidate]) {
      next = candidate;
      break;
    }
  }
  if (transfer.source_failed[next]) return;  // every source failed for good: so does the file
  const bool untried = !transfer.source_tried[next];
  if (verdict.step == Verdict::Step::fail || untried) verdict.delay_s = 0;  // another server: at once
  verdict.step = Verdict::Step::retry;
  if (next != transfer.source) verdict.message += "; next from " + transfer.sources[next].redacted;
  transfer.source = next;
  transfer.url = transfer.sources[next];
}

void EventLoop::settle(std::unique_ptr<Transfer> owned, Verdict verdict, int http_status) {
  if (!verdict.attempt_error.empty()) owned->attempt_errors.push_back(std::move(verdict.attempt_error));
  if (verdict.host_struggling) scheduler_.host_struggling(owned->url.host_key, Clock::now());
  if (verdict.step == Verdict::Step::retry || verdict.step == Verdict::Step::fail)
    turn_to_mirror(*owned, verdict);  // after: the host that struggled is the one just tried
  Result result;
  result.http_status = http_status;
  switch (verdict.step) {
    case Verdict::Step::commit: {
      result.status = Status::ok;
      scheduler_.host_succeeded(owned->url.host_key);
      set_phase(*owned, TransferPhase::committing);
      if (!owned->request.to_memory && commit_elsewhere(owned, result)) return;
      bool existed = false;
      platform::take_descriptor_shortage();  // what an earlier transfer's failure left
      if (!owned->sink->commit(owned->if_exists(), &result.message, &existed))
        return commit_failed(std::move(owned), std::move(result), existed,
                             platform::take_descriptor_shortage());
      if (owned->request.to_memory) result.body = owned->sink->take_body();
      finish(std::move(owned), std::move(result));
      return;
    }
    case Verdict::Step::cancel:
      owned->sink->suspend();  // kept for resume
      result.status = Status::cancelled;
      break;
    case Verdict::Step::skip:
      owned->sink->abandon();  // the file it would become is there already
      result.status = Status::skipped;
      break;
    case Verdict::Step::follow:
      // Only a transfer's own request is redirected, and end_attempt follows it there.
      verdict.step = Verdict::Step::fail;
      verdict.category = ErrorCategory::protocol;
      verdict.message = "a redirect where none is followed (to " + http::redact_url(verdict.target) + ")";
      [[fallthrough]];
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
  job.if_exists = owned->if_exists();
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
    if (done.ok) {
      finish(std::move(transfer), std::move(result));
    } else {
      result.message = std::move(done.error);
      commit_failed(std::move(transfer), std::move(result), done.existed, done.descriptor_shortage);
    }
  }
}

void EventLoop::keep_spare_buffer(std::string buffer) {
  // Empty storage is not worth keeping.
  if (buffer.capacity() > 0 && spare_buffers_.size() < kMaxSpareBuffers)
    spare_buffers_.push_back(std::move(buffer));
}

void EventLoop::commit_failed(std::unique_ptr<Transfer> transfer, Result result, bool existed,
                              bool descriptor_shortage) {
  if (transfer->sink->digest_differed()) {
    // The bytes are not the digest's (known once the disk thread hashed the last blocks):
    // the attempt's outcome, judged like any other.
    record_digest_mismatch(*transfer, std::move(result.message), &transfer->outcome);
    Verdict verdict = judge(transfer->outcome, context_for(*transfer, transfer->attempts));
    settle(std::move(transfer), std::move(verdict), result.http_status);
    return;
  }
  if (descriptor_shortage) {
    if (std::optional<double> delay = descriptor_wait(*transfer)) {
      transfer->attempt_errors.push_back("attempt " + std::to_string(transfer->attempts) + ": " +
                                         result.message);
      transfer->sink->suspend();
      schedule_retry(std::move(transfer), *delay, result.message);
      return;
    }
  }
  result.status = existed && transfer->if_exists() == IfExists::skip ? Status::skipped : Status::failed;
  if (result.status == Status::failed) result.category = ErrorCategory::filesystem;
  finish(std::move(transfer), std::move(result));
}

std::optional<double> EventLoop::descriptor_wait(Transfer& transfer) {
  const int tried = ++transfer.descriptor_waits;
  const AttemptError error{ErrorCategory::filesystem, 0, std::nullopt, true};
  const AttemptContext context = context_for(transfer, tried);
  return retry_delay(error, tried, context.policy, context.random01);
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
  result.headers = std::move(transfer->kept_headers);
  if (!result.ok() && !transfer->error_body.empty())
    result.body = std::make_shared<const std::string>(std::move(transfer->error_body));
  // A failed transfer's path is free again at once (its rerun may take it); a done one's
  // stays claimed unless the Engine serves many batches (EngineOptions::unique_paths).
  if (!result.ok() || !options_.unique_paths) admission_.give_back(*transfer);
  set_phase(*transfer, TransferPhase::ended);
  report(*transfer, std::move(result));
}

void EventLoop::report(Transfer& transfer, Result result) {
  result.id = transfer.id;
  result.url = transfer.identity.empty() ? http::redact_url(transfer.request.url) : transfer.identity;
  if (!transfer.request.to_memory) result.path = transfer.display_path;
  result.label = transfer.request.label;
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
  progress_.note_finished(result);
  transfer.state->complete(std::move(result));
  bool last = false;
  {
    std::lock_guard lock(outstanding_->mutex);
    last = outstanding_->count == 1;
  }
  // Whoever sees the engine idle (wait_idle) then reads totals that count every transfer.
  if (last) progress_.publish(Clock::now(), view(), /*now_regardless=*/true);
  std::lock_guard lock(outstanding_->mutex);
  if (--outstanding_->count == 0) outstanding_->idle_cv.notify_all();
}

void EventLoop::take_notices() {
  for (const TransferNotice& notice : notices_) {
    auto it = running_.find(notice.id);
    if (it == running_.end()) continue;  // it ended meanwhile: its result tells
    if (notice.kind == TransferEvent::Kind::split) {
      note_split(*it->second);
    } else {
      emit(*it->second, notice.kind, 0, "named by the server: " + it->second->display_path);
    }
  }
  notices_.clear();
}

void EventLoop::emit(const Transfer& transfer, TransferEvent::Kind kind, double retry_in_s,
                     const std::string& message, int attempt) {
  if (!options_.on_event) return;
  TransferEvent event;
  event.kind = kind;
  event.id = transfer.id;
  event.url = transfer.url.redacted;
  if (!transfer.request.to_memory) event.path = transfer.display_path;
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

}  // namespace fetchpool::engine
