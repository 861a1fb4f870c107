#include "engine/segmented_download.h"

#include <algorithm>
#include <ctime>

#include "engine/block_pool.h"
#include "engine/body_rule.h"
#include "engine/scheduler.h"
#include "engine/transfer.h"
#include "platform/file.h"

namespace fetchpool::engine {
namespace {

// Bytes a connection gathers before one write (libcurl hands over 16 KiB at a time).

size_t on_segment_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto& connection = *static_cast<SegmentConnection*>(user);
  std::size_t length = size * count;
  connection.activity.bump();
  connection.owner->activity.bump();
  try {
    http::parse_header_line(std::string_view(data, length), std::time(nullptr), &connection.response);
  } catch (...) {
    // Out of memory for a header: judged without it.
  }
  return length;
}

/// For a connection to a mirror, which was sent no If-Range (another server's validator
/// means nothing there): true when the response is the range asked for, of a file of the
/// same size and the same version, its ETag or Last-Modified that of the first answer, or
/// any version when the file's digest is known (it is verified whole, and a mismatch
/// downloads it again from one server). Else records why not: the mirror is refused for
/// this file, and the segment goes back to the others.
bool is_mirrors_range(SegmentConnection& connection, long status) {
  Transfer& transfer = *connection.owner;
  const SegmentedDownload& split = *transfer.segmented;
  const http::ResponseHeaders& response = connection.response;
  auto refuse = [&](const std::string& why) {
    connection.outcome = AttemptOutcome::of(AttemptOutcome::Kind::protocol, why);
    return false;
  };
  if (status != 206) return refuse("answered HTTP " + std::to_string(status) + " to a range");
  curl_off_t length = -1;
  curl_easy_getinfo(connection.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  BodyPlan plan = plan_body({connection.offset, connection.request_end}, status, length, response);
  if (!plan.is_body) return refuse(plan.problem);
  if (plan.total != split.planner.size())
    return refuse("has another size (" + std::to_string(plan.total) + " bytes)");
  const bool same_version = !split.validator.empty() &&
                            (response.etag == split.validator || response.last_modified == split.validator);
  if (!same_version && transfer.expected_digest.empty())
    return refuse("names another version (give the file's checksum to fetch parts from several servers)");
  transfer.segmented->proven_sources[connection.source] = true;
  return true;
}

/// True when the response is the range asked for, of the version being fetched; else
/// records why not in `connection.outcome` (the transfer starts over on one connection).
bool is_expected_range(SegmentConnection& connection, long status) {
  if (connection.source != connection.owner->source) return is_mirrors_range(connection, status);
  const SegmentedDownload& split = *connection.owner->segmented;
  const http::ResponseHeaders& response = connection.response;
  const AskedRange asked{connection.offset, connection.request_end};
  auto changed = [&] {
    connection.outcome = AttemptOutcome::of(
        AttemptOutcome::Kind::restart, "the file changed on the server during the download (" +
                                           describe_asked(asked) + " came back as HTTP " +
                                           std::to_string(status) + "); starting over on one connection");
    return false;
  };
  if (status != 206) return changed();  // a 200: the server stopped taking ranges, or the version changed
  curl_off_t length = -1;
  curl_easy_getinfo(connection.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  BodyPlan plan = plan_body(asked, status, length, response);
  if (!plan.is_body) {
    connection.outcome = AttemptOutcome::of(AttemptOutcome::Kind::protocol,
                                            plan.problem + "; starting over on one connection");
    connection.outcome.start_over = true;
    return false;
  }
  if (plan.total >= 0 && plan.total != split.planner.size()) return changed();
  // If-Range already makes the server answer 200 for another version; this also catches
  // a server that ignores If-Range.
  bool validator_is_etag = !split.validator.empty() && split.validator.front() == '"';
  if (validator_is_etag && !response.etag.empty() && response.etag != split.validator) return changed();
  return true;
}

size_t on_segment_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto& connection = *static_cast<SegmentConnection*>(user);
  std::size_t length = size * count;
  if (!within_caps(*connection.owner, length)) {  // libcurl keeps these bytes and gives them again
    connection.paused_by_cap = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  if (!connection.body_started) {
    connection.body_started = true;
    long status = 0;
    curl_easy_getinfo(connection.easy, CURLINFO_RESPONSE_CODE, &status);
    connection.discard_body = status >= 400;
    if (!connection.discard_body && !is_expected_range(connection, status)) return 0;
  }
  if (connection.discard_body) {
    connection.activity.bump();
    return length;
  }
  return write_segment(connection, data, length);
}

}  // namespace

SegmentedDownload::SegmentedDownload(std::int64_t total, int opening_parts, int connection_limit,
                                     std::int64_t min_split, const std::vector<ByteRange>& done,
                                     std::string version)
    : planner(total, std::min(opening_parts, connection_limit), min_split, done),
      validator(std::move(version)),
      max_connections(std::max(1, connection_limit)),
      tries(planner.segments().size()) {}

std::optional<int> SegmentedDownload::take_work(Clock::time_point now, bool may_split) {
  for (int id : planner.unfinished()) {
    Tries& segment = tries[static_cast<std::size_t>(id)];
    if (!segment.busy && segment.retry_at <= now) {
      segment.busy = true;
      return id;
    }
  }
  if (!may_split) return std::nullopt;
  std::optional<int> largest;
  for (int id = 0; id < static_cast<int>(tries.size()); ++id) {
    if (tries[static_cast<std::size_t>(id)].busy &&
        (!largest || planner.remaining(id) > planner.remaining(*largest)))
      largest = id;
  }
  if (!largest) return std::nullopt;
  std::optional<int> half = planner.split(*largest);
  if (!half) return std::nullopt;
  tries.push_back({});
  tries.back().busy = true;
  return half;
}

std::size_t next_connection_source(Transfer& transfer) {
  SegmentedDownload& split = *transfer.segmented;
  const std::size_t count = transfer.sources.size();
  if (count < 2 || transfer.checksum_retried) return transfer.source;
  split.refused_sources.resize(count, false);
  split.proven_sources.resize(count, false);
  auto being_tried = [&split](std::size_t source) {
    return !split.proven_sources[source] &&
           std::any_of(split.connections.begin(), split.connections.end(),
                       [source](const auto& connection) { return connection->source == source; });
  };
  for (std::size_t step = 0; step < count; ++step) {
    std::size_t candidate = (split.next_source + step) % count;
    if (candidate == transfer.source || (!transfer.source_failed[candidate] &&
                                         !split.refused_sources[candidate] && !being_tried(candidate))) {
      split.next_source = candidate + 1;
      return candidate;
    }
  }
  return transfer.source;
}

std::optional<int> SegmentedDownload::take_segment_at(std::int64_t offset) {
  for (int id : planner.unfinished()) {
    Tries& segment = tries[static_cast<std::size_t>(id)];
    if (planner.next_offset(id) == offset && !segment.busy) {
      segment.busy = true;
      return id;
    }
  }
  return std::nullopt;
}

bool should_split(const Transfer& transfer, long status, std::int64_t offset, std::int64_t total) {
  const EngineOptions& options = *transfer.options;
  if (transfer.split_disabled || total <= 0 || (status != 200 && status != 206)) return false;
  bool ranges_supported = status == 206 || transfer.response.accept_ranges;
  ResumeState version;
  version.etag = transfer.response.etag;
  version.last_modified = transfer.response.last_modified;
  if (!ranges_supported || version.validator().empty()) return false;
  // A resume that asked for the first gap only must go on with the other gaps.
  if (status == 206 && transfer.resume_to >= 0) return true;
  return transfer.connections() > 1 && total - offset >= 2 * options.min_split_size;
}

int room_on_host(const Transfer& transfer) {
  const int limit = transfer.connections();
  const bool over_mirrors = transfer.sources.size() > 1 && !transfer.checksum_retried;
  if (!transfer.scheduler || over_mirrors) return limit;
  // A cap per host the user gave says how many connections the server may carry (a CDN
  // that limits each connection): splits fill it.
  const int budget =
      transfer.options->max_per_host > 0 ? std::max(limit, transfer.options->max_per_host) : limit;
  return budget - transfer.scheduler->receiving_from(transfer.url.host_key);
}

int opening_connections(const Transfer& transfer) {
  return std::clamp(1 + room_on_host(transfer), 1, transfer.connections());
}

bool start_split(Transfer& transfer, long status, std::int64_t offset, std::int64_t total) {
  const EngineOptions& options = *transfer.options;
  ResumeState state;
  state.url = transfer.identity;
  state.digest = transfer.expected_digest;
  state.etag = transfer.response.etag;
  state.last_modified = transfer.response.last_modified;
  state.total = total;
  bool resuming = status == 206 && offset > 0;
  if (status == 206 && !transfer.saved_ranges.empty()) {
    state.ranges = transfer.saved_ranges;
    resuming = true;
  } else if (resuming) {
    state.ranges = {{0, offset}};
  }
  // Set on the transfer only once everything worked: a transfer with `segmented` is
  // settled as a split download.
  const int opening = opening_connections(transfer);
  auto split = std::make_unique<SegmentedDownload>(total, opening, transfer.connections(),
                                                   options.min_split_size, state.ranges, state.validator());
  if (transfer.scheduler)
    split->others_on_host = transfer.scheduler->receiving_from(transfer.url.host_key) - 1;
  split->limited_by_host = opening < transfer.connections();
  std::optional<int> first = split->take_segment_at(offset);
  if (!first) {
    transfer.outcome = AttemptOutcome::of(
        AttemptOutcome::Kind::restart, "the server resumed at a byte that is already on disk; starting over");
    return false;
  }
  if (!transfer.sink->begin_ranges(state, resuming, &transfer.outcome.detail)) {
    transfer.outcome.kind = AttemptOutcome::Kind::write_error;
    transfer.outcome.descriptor_shortage = platform::take_descriptor_shortage();
    return false;
  }
  auto connection = std::make_unique<SegmentConnection>();
  connection->owner = &transfer;
  connection->segment = *first;
  connection->source = transfer.source;
  split->next_source = transfer.source + 1;  // the next connection asks the next mirror
  connection->easy = transfer.easy;
  connection->adopted = true;
  connection->offset = offset;
  connection->request_end = transfer.resume_to >= 0 ? transfer.resume_to : total;
  connection->body_started = true;
  connection->activity.restart(Clock::now());
  split->adopted = connection.get();
  split->connections.push_back(std::move(connection));
  // Every part but the first is a connection to come: a resume's gaps too, which start
  // whatever the room (as many as the file may use).
  const int planned = static_cast<int>(split->planner.unfinished().size()) - 1;
  transfer.segmented = std::move(split);
  if (transfer.scheduler)
    transfer.scheduler->plan_connections(transfer.url.host_key,
                                         std::min(planned, transfer.connections() - 1));
  if (transfer.notices) transfer.notices->push_back({transfer.id, TransferEvent::Kind::split});
  return true;
}

std::size_t write_segment(SegmentConnection& connection, const char* data, std::size_t length) {
  Transfer& transfer = *connection.owner;
  SegmentedDownload& split = *transfer.segmented;
  connection.activity.bump(static_cast<std::int64_t>(length));
  transfer.activity.bump(static_cast<std::int64_t>(length));
  const std::int64_t end = split.planner.end(connection.segment);
  auto take = static_cast<std::size_t>(
      std::clamp<std::int64_t>(end - connection.offset, 0, static_cast<std::int64_t>(length)));
  if (take > 0) {
    // Gathered into large writes, as FileSink does for one connection.
    if (connection.pending.empty()) {
      connection.pending.reserve(kWriteBlockBytes);
      connection.pending_at = connection.offset;
    }
    connection.pending.append(data, take);
    connection.offset += static_cast<std::int64_t>(take);
  }
  // The request asks for more than its segment. A split one stops at its new end: the rest
  // is another connection's. The first request, open-ended, stops at once and asks again
  // for its segment alone: servers throttling each connection (nginx's limit_rate) were
  // measured to deliver a closed range faster than the same bytes of an open one (32 MiB in
  // 1.51 s against 1.61 s).
  const bool stop = connection.request_end > end && (connection.adopted || connection.offset >= end);
  if (stop || connection.offset >= end || connection.pending.size() >= kWriteBlockBytes) {
    if (!flush_segment(connection, &connection.outcome.detail)) {
      connection.outcome.kind = AttemptOutcome::Kind::write_error;
      return 0;
    }
  }
  if (stop) {
    connection.outcome = AttemptOutcome::of(AttemptOutcome::Kind::completed);
    return 0;
  }
  return length;
}

bool flush_segment(SegmentConnection& connection, std::string* error) {
  if (connection.pending.empty()) return true;
  Transfer& transfer = *connection.owner;
  SegmentedDownload& split = *transfer.segmented;
  const std::int64_t end = split.planner.end(connection.segment);
  auto size = static_cast<std::size_t>(std::clamp<std::int64_t>(
      end - connection.pending_at, 0, static_cast<std::int64_t>(connection.pending.size())));
  connection.pending.resize(size);  // bytes past the segment's end are another connection's
  // A block at the digest's frontier is digested where it is written (the disk thread),
  // in order with the ranges read back there (EventLoop::hash_in_order). A failed write
  // ends the whole download (a disk error is not retried), so the digest never goes on
  // with bytes that are not there.
  hash::Digest* digest = nullptr;
  if (transfer.digest && connection.pending_at == split.hashed) {
    digest = &*transfer.digest;
    split.hashed += static_cast<std::int64_t>(size);
  }
  bool ok = transfer.sink->write_block_at(connection.pending_at, connection.pending, error, digest);
  if (ok) split.planner.advance(connection.segment, connection.pending_at + static_cast<std::int64_t>(size));
  connection.pending.clear();
  return ok;
}

void configure_segment_request(CURL* easy, SegmentConnection& connection) {
  Transfer& transfer = *connection.owner;
  SegmentedDownload& split = *transfer.segmented;
  connection.easy = easy;
  connection.adopted = false;
  connection.error_buffer[0] = '\0';
  connection.response.clear();
  connection.body_started = false;
  connection.discard_body = false;
  connection.outcome = {};
  connection.pending.clear();
  connection.offset = split.planner.next_offset(connection.segment);
  connection.request_end = split.planner.end(connection.segment);
  connection.activity.restart(Clock::now());

  std::string range = std::to_string(connection.offset) + "-" + std::to_string(connection.request_end - 1);
  const bool own = connection.source == transfer.source;
  set_request_target(easy, transfer, range, connection.error_buffer,
                     own ? std::nullopt : std::optional<std::size_t>(connection.source));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_segment_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &connection);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_segment_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &connection);
  // Each segment on a connection of its own: on HTTP/2 the streams would share one TCP
  // connection, and a per-connection speed limit with it.
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 0L);

  // Another server's validator names nothing there: a mirror's version is checked at its
  // answer instead (is_mirrors_range).
  set_request_headers(easy, transfer, own ? split.validator : std::string(), !own || transfer.hop_trusted,
                      &connection.headers);
}

}  // namespace fetchpool::engine
