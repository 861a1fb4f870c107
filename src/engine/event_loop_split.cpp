// The event loop's side of split downloads: one file fetched over several connections,
// each writing its own byte range of NAME.part (see SegmentedDownload).

#include <algorithm>

#include "engine/event_loop.h"

namespace fetchpool::engine {
namespace {

// Bytes read back per loop turn to move the digest over ranges that arrived out of order:
// small enough that the loop stays responsive, large enough to keep up with the network.
constexpr std::int64_t kHashBudgetPerTurn = 8 * 1024 * 1024;

std::string range_text(const ByteRange& range) {
  return "bytes " + std::to_string(range.begin) + "-" + std::to_string(range.end - 1);
}

}  // namespace

void EventLoop::take_split_notices() {
  for (TransferId id : split_notices_) {
    if (running_.count(id) && std::find(splits_.begin(), splits_.end(), id) == splits_.end())
      splits_.push_back(id);
  }
  split_notices_.clear();
}

SegmentConnection* EventLoop::find_connection(Transfer& transfer, CURL* easy) {
  if (!transfer.segmented) return nullptr;
  for (auto& connection : transfer.segmented->connections) {
    if (connection->easy == easy) return connection.get();
  }
  return nullptr;
}

void EventLoop::tend_splits(Clock::time_point now) {
  take_split_notices();
  const std::vector<TransferId> ids = splits_;  // ending one changes splits_
  for (TransferId id : ids) {
    auto it = running_.find(id);
    if (it == running_.end() || !it->second->segmented) continue;
    Transfer& transfer = *it->second;
    SegmentedDownload& split = *transfer.segmented;
    std::string error;
    if (!hash_in_order(transfer, kHashBudgetPerTurn, &error)) {
      Result result;
      result.status = Status::failed;
      result.category = ErrorCategory::filesystem;
      result.message = error;
      end_split(&transfer, std::move(result));
      continue;
    }
    const std::string& host = transfer.url.host_key;
    while (static_cast<int>(split.connections.size()) < split.max_connections) {
      // The transfer's own slot carries its first connection; every other one needs a
      // slot of its own, so -j and the per-host cap count connections.
      bool own_slot = split.connections.empty();
      if (!own_slot && !scheduler_.try_take_slot(host)) break;
      std::optional<int> work = split.take_work(now);
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
  http::CurlEasy easy = take_easy();
  if (!easy) return false;
  auto connection = std::make_unique<SegmentConnection>();
  connection->owner = &transfer;
  connection->segment = segment;
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
  // What arrived is good (the range was checked at its first byte), whatever ended the
  // request; a write error here is judged below like one in the callback.
  if (!connection->changed && !flush_segment(*connection) && code == CURLE_OK) code = CURLE_WRITE_ERROR;
  const int segment = connection->segment;
  SegmentedDownload::Tries& tries = split.tries[static_cast<std::size_t>(segment)];
  tries.busy = false;

  if (connection->changed) {
    // Not the range asked for, or not the same version: the file changed on the server (or
    // it stopped taking ranges). Start over on one connection, which cannot mix versions.
    transfer->restart_from_zero = true;
    transfer->split_disabled = true;
    Result result;
    result.status = Status::failed;
    if (!connection->problem.empty()) {
      result.category = ErrorCategory::protocol;
      result.message = connection->problem + "; starting over on one connection";
    } else {
      result.category = ErrorCategory::network;
      result.message = "the file changed on the server during the download (" +
                       range_text({connection->offset, connection->request_end}) + " came back as HTTP " +
                       std::to_string(status) + "); starting over on one connection";
    }
    end_split(transfer, std::move(result));
    return;
  }

  const bool got_all = interrupt == Interrupt::none &&
                       (connection->stopped_on_purpose ||
                        (code == CURLE_OK && !connection->discard_body && split.planner.finished(segment)));
  if (!got_all) {
    Result failure;
    failure.status = Status::failed;
    if (interrupt == Interrupt::stalled || interrupt == Interrupt::too_slow) {
      failure.category = ErrorCategory::stalled;
      failure.message = stall_message(interrupt);
    } else if (code != CURLE_OK) {
      const char* error_buffer = was_adopted ? transfer->error_buffer : connection->error_buffer;
      describe_failure(code, error_buffer, connection->write_error, *transfer, &failure);
    } else if (status >= 400) {
      failure.category = ErrorCategory::http;
      failure.message = http_failure_message(status, connection->response.status_line);
    } else {
      failure.category = ErrorCategory::network;
      failure.message = "the server ended the range early";
    }
    ++tries.attempts;
    ByteRange left{split.planner.next_offset(segment), split.planner.end(segment)};
    transfer->attempt_errors.push_back(range_text(left) + ", attempt " + std::to_string(tries.attempts) +
                                       ": " + failure.message);
    if (host_seems_overloaded(code, static_cast<int>(status)))
      scheduler_.host_struggling(transfer->url.host_key, now);
    AttemptError error{failure.category, static_cast<int>(status), connection->response.retry_after_s};
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::optional<double> delay =
        retry_delay(error, tries.attempts, retry_policy_for(*transfer), uniform(random_));
    if (delay && transfer->deadline && now + to_duration(*delay) >= *transfer->deadline) delay.reset();
    if (!delay) {
      if (tries.attempts > 1) failure.message += " (after " + std::to_string(tries.attempts) + " attempts)";
      end_split(transfer, std::move(failure));
      return;
    }
    tries.retry_at = now + to_duration(*delay);
    emit(*transfer, TransferEvent::Kind::retrying, *delay, range_text(left) + ": " + failure.message,
         tries.attempts);
  } else {
    scheduler_.host_succeeded(transfer->url.host_key);
  }

  if (split.planner.complete()) {
    Result done;
    done.status = Status::ok;
    done.http_status = 200;
    end_split(transfer, std::move(done));
    return;
  }
  // The connection (and its slot) takes the next piece of work, or goes.
  if (std::optional<int> work = split.take_work(now)) {
    connection->segment = *work;
    configure_segment_request(connection->easy, *connection);
    curl_multi_add_handle(multi_.get(), connection->easy);
    return;
  }
  return_easy(connection->easy);
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
    if (!connection->changed) flush_segment(*connection);  // kept for a resume
    if (connection->adopted) {
      transfer.easy = nullptr;
      transfer.headers.reset();
    }
    connection->headers.reset();
    return_easy(connection->easy);
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

void EventLoop::end_split_attempt(Transfer* transfer, Interrupt interrupt) {
  Result result;
  result.status = Status::failed;
  if (interrupt == Interrupt::cancelled) {
    result.status = Status::cancelled;
    result.category = ErrorCategory::cancelled;
    result.message = "cancelled";
  } else {
    result.category = ErrorCategory::timeout;
    result.message = "gave up after " + seconds_text(transfer->max_time_s()) + " s (max time)";
  }
  end_split(transfer, std::move(result));
}

void EventLoop::end_split(Transfer* transfer, Result result) {
  stop_connections(*transfer);
  SegmentedDownload& split = *transfer->segmented;
  transfer->sink->note_ranges(split.planner.done_ranges());
  if (result.status == Status::ok) {
    std::string error;
    if (!hash_in_order(*transfer, split.planner.size(), &error)) {
      result.status = Status::failed;
      result.category = ErrorCategory::filesystem;
      result.message = error;
    } else {
      check_digest(*transfer, &result);
    }
  }
  Interrupt interrupt = result.category == ErrorCategory::timeout ? Interrupt::deadline : Interrupt::none;
  splits_.erase(std::remove(splits_.begin(), splits_.end(), transfer->id), splits_.end());
  std::unique_ptr<Transfer> owned = std::move(running_.extract(transfer->id).mapped());
  scheduler_.finished(owned->url.host_key);
  owned->segmented.reset();
  settle(std::move(owned), std::move(result), CURLE_OK, interrupt, /*retry_failures=*/false);
}

}  // namespace fetchpool::engine
