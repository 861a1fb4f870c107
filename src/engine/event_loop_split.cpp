// The event loop's side of split downloads: one file fetched over several connections,
// each writing its own byte range of NAME.part (see SegmentedDownload).

#include <algorithm>

#include "engine/event_loop.h"
#include "progress/format.h"

namespace fetchpool::engine {
namespace {

// Bytes read back per loop turn to move the digest over ranges that arrived out of order:
// small enough that the loop stays responsive, large enough to keep up with the network.
constexpr std::int64_t kHashBudgetPerTurn = 8 * 1024 * 1024;

using Kind = AttemptOutcome::Kind;

}  // namespace

void EventLoop::note_split(Transfer& transfer) {
  if (!transfer.segmented || std::find(splits_.begin(), splits_.end(), transfer.id) != splits_.end()) return;
  splits_.push_back(transfer.id);
  const SegmentedDownload& split = *transfer.segmented;
  // What -v shows of the choice: how many connections, and why not more.
  const std::size_t parts = split.planner.unfinished().size();
  const std::size_t connections = std::min(parts, static_cast<std::size_t>(split.max_connections));
  std::size_t urls = 1;  // as next_connection_source() will spread them
  if (!transfer.checksum_retried && connections > 1) {
    urls = static_cast<std::size_t>(
        std::count(transfer.source_failed.begin(), transfer.source_failed.end(), false));
    urls = std::clamp<std::size_t>(urls, 1, connections);
  }
  // Fewer parts than what is left and -x allow, because the host carries other connections.
  const std::int64_t left = split.planner.size() - split.planner.done_bytes();
  const std::int64_t by_size = left / std::max<std::int64_t>(1, options_.min_split_size);
  const bool host_busy =
      static_cast<std::int64_t>(parts) < std::min<std::int64_t>(by_size, split.max_connections) &&
      split.limited_by_host;
  const int others = split.others_on_host;
  emit(transfer, TransferEvent::Kind::split, 0,
       std::to_string(connections) + (connections == 1 ? " connection for " : " connections for ") +
           progress::format_bytes(split.planner.size()) + " (" + std::to_string(parts) +
           (parts == 1 ? " part" : " parts") + " of at least " +
           progress::format_bytes(options_.min_split_size) + ", -x " +
           std::to_string(transfer.connections()) + ")" +
           (host_busy ? " to start: the server carries " + std::to_string(std::max(others, 0)) +
                            (others == 1 ? " other connection" : " other connections") +
                            "; more may join as they end"
                      : "") +
           (urls > 1 ? ", spread over " + std::to_string(urls) + " URLs" : ""));
}

SegmentConnection* EventLoop::find_connection(Transfer& transfer, CURL* easy) {
  if (!transfer.segmented) return nullptr;
  for (auto& connection : transfer.segmented->connections) {
    if (connection->easy == easy) return connection.get();
  }
  return nullptr;
}

void EventLoop::tend_splits(Clock::time_point now) {
  const std::vector<TransferId> ids = splits_;  // ending one changes splits_
  for (TransferId id : ids) {
    auto it = running_.find(id);
    if (it == running_.end() || !it->second->segmented) continue;
    Transfer& transfer = *it->second;
    SegmentedDownload& split = *transfer.segmented;
    std::string error;
    if (!hash_in_order(transfer, kHashBudgetPerTurn, &error)) {
      end_split(&transfer, AttemptOutcome::of(Kind::write_error, std::move(error)));
      continue;
    }
    const std::string& host = transfer.url.host_key;
    while (static_cast<int>(split.connections.size()) < split.max_connections) {
      // The transfer's own slot carries its first connection; every other one needs a
      // slot of its own, so -j and the per-host cap count connections.
      bool own_slot = split.connections.empty();
      // A planned part starts whenever a slot is free; a new part is split off only while
      // the host has room for another connection (room_on_host()).
      const bool may_split = room_on_host(transfer) > 0;
      if (!own_slot && !scheduler_.try_take_slot(host)) break;
      std::optional<int> work = split.take_work(now, may_split);
      bool started = work && start_connection(transfer, *work);
      if (!started) {
        if (work) split.tries[static_cast<std::size_t>(*work)].busy = false;
        if (!own_slot) scheduler_.finished(host);
        break;
      }
    }
  }
}

bool EventLoop::start_connection(Transfer& transfer, int segment) {
  http::CurlEasy easy = easies_.take();
  if (!easy) return false;
  auto connection = std::make_unique<SegmentConnection>();
  connection->owner = &transfer;
  connection->segment = segment;
  connection->source = next_connection_source(transfer);
  configure_segment_request(easy.get(), *connection);
  curl_multi_add_handle(multi_.get(), easy.release());
  transfer.segmented->connections.push_back(std::move(connection));
  return true;
}

void EventLoop::end_connection(Transfer* transfer, SegmentConnection* connection, CURLcode code,
                               Interrupt interrupt) {
  SegmentedDownload& split = *transfer->segmented;
  const Clock::time_point now = Clock::now();
  long status = 0;
  curl_easy_getinfo(connection->easy, CURLINFO_RESPONSE_CODE, &status);
  long connect_status = 0;
  curl_easy_getinfo(connection->easy, CURLINFO_HTTP_CONNECTCODE, &connect_status);
  curl_multi_remove_handle(multi_.get(), connection->easy);
  const bool was_adopted = connection->adopted;
  if (was_adopted) {
    // The transfer's own request is over; from here on the connection is like the others.
    transfer->easy = nullptr;
    transfer->headers.reset();
    split.adopted = nullptr;
    connection->adopted = false;
  }
  connection->headers.reset();
  AttemptOutcome& outcome = connection->outcome;
  // What arrived is good (the range was checked at its first byte), whatever ended the
  // request; a write error here is judged like one in the callback.
  std::string flush_error;
  if (!outcome.start_over && !flush_segment(*connection, &flush_error) && code == CURLE_OK &&
      !outcome.recorded())
    outcome = AttemptOutcome::of(Kind::write_error, std::move(flush_error));
  const int segment = connection->segment;
  SegmentedDownload::Tries& tries = split.tries[static_cast<std::size_t>(segment)];
  tries.busy = false;
  const char* error_buffer = was_adopted ? transfer->error_buffer : connection->error_buffer;
  if (!record_end(&outcome,
                  {interrupt, code, status, error_buffer, &connection->response, 0, connect_status})) {
    outcome.kind = split.planner.finished(segment) ? Kind::completed : Kind::truncated;
    if (outcome.kind == Kind::truncated) outcome.detail = "the server ended the range early";
  }

  if (connection->source != transfer->source && outcome.kind != Kind::completed) {
    // A mirror that fails a range, or has another file: the others fetch its segment (what
    // it sent is kept), at once and without counting an attempt; it is not asked again.
    split.refused_sources.resize(transfer->sources.size(), false);
    split.refused_sources[connection->source] = true;
    const std::string reason =
        outcome.kind == Kind::protocol ? outcome.detail : judge(outcome, context_for(*transfer, 1)).message;
    emit(*transfer, TransferEvent::Kind::split, 0,
         "mirror " + transfer->sources[connection->source].redacted + ": " + reason +
             "; its part goes to the other connections");
  } else if (outcome.start_over) {
    // Not the range asked for, or not the same version: the file changed on the server (or
    // it stopped taking ranges). Start over on one connection, which cannot mix versions.
    transfer->split_disabled = true;
    end_split(transfer, std::move(outcome));
    return;
  }
  if (outcome.kind == Kind::completed) {
    scheduler_.host_succeeded(transfer->url.host_key);
  } else if (connection->source == transfer->source) {
    ++tries.attempts;
    AttemptContext context = context_for(*transfer, tries.attempts);
    context.subject = describe_asked({split.planner.next_offset(segment), split.planner.end(segment)});
    Verdict verdict = judge(outcome, context);
    if (verdict.step != Verdict::Step::retry) {
      end_split(transfer, std::move(verdict), outcome.http_status);
      return;
    }
    transfer->attempt_errors.push_back(std::move(verdict.attempt_error));
    if (verdict.host_struggling) scheduler_.host_struggling(transfer->url.host_key, now);
    tries.retry_at = now + to_duration(verdict.delay_s);
    emit(*transfer, TransferEvent::Kind::retrying, verdict.delay_s, verdict.message, tries.attempts);
  }

  if (split.planner.complete()) {
    end_split(transfer, AttemptOutcome::of(Kind::completed));
    return;
  }
  // The connection (and its slot) takes the next piece of work, or goes (a handle that
  // paused on a rate cap and was ended holds bytes of its old request: it goes).
  const bool refused =
      split.refused_sources.size() > connection->source && split.refused_sources[connection->source];
  // This connection keeps its slot for the next piece, so the host may be at its room.
  if (std::optional<int> work =
          connection->paused_by_cap ? std::nullopt : split.take_work(now, room_on_host(*transfer) >= 0)) {
    connection->segment = *work;
    if (refused) connection->source = next_connection_source(*transfer);
    configure_segment_request(connection->easy, *connection);
    curl_multi_add_handle(multi_.get(), connection->easy);
    return;
  }
  easies_.give_back(connection->easy, !connection->paused_by_cap);
  auto& connections = split.connections;
  connections.erase(std::find_if(connections.begin(), connections.end(),
                                 [connection](const auto& c) { return c.get() == connection; }));
  // The last connection keeps the transfer's own slot for the segments still waiting.
  if (!connections.empty()) scheduler_.finished(transfer->url.host_key);
}

void EventLoop::stop_connections(Transfer& transfer) {
  SegmentedDownload& split = *transfer.segmented;
  for (auto& connection : split.connections) {
    curl_multi_remove_handle(multi_.get(), connection->easy);
    std::string ignored;
    if (!connection->outcome.start_over) flush_segment(*connection, &ignored);  // kept for a resume
    if (connection->adopted) {
      transfer.easy = nullptr;
      transfer.headers.reset();
    }
    connection->headers.reset();
    easies_.give_back(connection->easy, !connection->paused_by_cap);
  }
  for (std::size_t extra = 1; extra < split.connections.size(); ++extra)
    scheduler_.finished(transfer.url.host_key);
  split.connections.clear();
  split.adopted = nullptr;
}

bool EventLoop::hash_in_order(Transfer& transfer, std::int64_t budget, std::string* error) {
  SegmentedDownload& split = *transfer.segmented;
  if (!transfer.digest) return true;
  std::int64_t to = std::min(split.planner.contiguous_prefix(), split.hashed + budget);
  if (to <= split.hashed) return true;
  if (!transfer.sink->hash_range(split.hashed, to, &*transfer.digest, error)) return false;
  split.hashed = to;
  return true;
}

void EventLoop::end_split(Transfer* transfer, AttemptOutcome outcome) {
  stop_connections(*transfer);
  const bool completed = outcome.kind == Kind::completed;
  if (completed) {
    std::string error;
    if (!hash_in_order(*transfer, transfer->segmented->planner.size(), &error)) {
      outcome = AttemptOutcome::of(Kind::write_error, std::move(error));
    } else if (transfer->digest) {
      // The digest takes its last bytes on the disk thread: the verdict is the commit's,
      // after them, as for a body over one connection (digest_differed()).
      transfer->sink->verify_as_stored(&*transfer->digest, transfer->checking_digest);
    }
  }
  AttemptContext context = context_for(*transfer, transfer->attempts);
  context.retries_spent = true;
  end_split(transfer, judge(outcome, context), completed ? 200 : outcome.http_status);
}

void EventLoop::end_split(Transfer* transfer, Verdict verdict, int http_status) {
  stop_connections(*transfer);  // when a segment's verdict ends it
  transfer->sink->note_ranges(transfer->segmented->planner.done_ranges());
  splits_.erase(std::remove(splits_.begin(), splits_.end(), transfer->id), splits_.end());
  std::unique_ptr<Transfer> owned = std::move(running_.extract(transfer->id).mapped());
  scheduler_.finished(owned->url.host_key);
  owned->segmented.reset();
  settle(std::move(owned), std::move(verdict), http_status);
}

}  // namespace fetchpool::engine
