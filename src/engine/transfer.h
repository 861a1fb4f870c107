#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/activity.h"
#include "engine/body_rule.h"
#include "engine/file_sink.h"
#include "engine/rate_cap.h"
#include "engine/segmented_download.h"
#include "engine/transfer_state.h"
#include "engine/verdict.h"
#include "fetchpool/options.h"
#include "fetchpool/progress.h"
#include "fetchpool/request.h"
#include "fetchpool/result.h"
#include "hash/digest.h"
#include "http/curl_handles.h"
#include "http/proxy.h"
#include "http/response_headers.h"
#include "http/url.h"

namespace fetchpool::engine {

using Clock = std::chrono::steady_clock;

/// Where a transfer is in its life. Changed only by set_phase(), which allows the moves
/// docs/ENGINE.md draws; each phase names who ends it, so nothing waits forever.
enum class TransferPhase : std::uint8_t {
  submitted,   ///< In the mailbox, unchecked; the loop takes it on its next turn.
  queued,      ///< Accepted, in the scheduler's queue until a slot and its host's turn.
  connecting,  ///< An easy handle in the multi handle, no body yet; curl's connect timeout, stalls.
  receiving,   ///< Its body (or an error page) is arriving; the stall, min-rate and max-time checks.
  waiting,     ///< Between attempts, in `waiting_`, holding no handle and no slot; the retry timer.
  committing,  ///< Verified; its body goes under its final name (the CommitQueue, or the loop).
  ended,       ///< Its one Result is out (ok, skipped, failed, cancelled); nothing leaves it.
};
inline constexpr int kTransferPhases = 7;

/// "receiving": a phase as a person (or a log line) reads it.
const char* phase_name(TransferPhase phase);
/// Whether set_phase() may move a transfer from `from` to `to`.
bool phase_move_allowed(TransferPhase from, TransferPhase to);

class Scheduler;

/// What a transfer's curl callbacks learnt for the loop to announce (as a TransferEvent of
/// `kind`) after curl_multi_perform: the body split over several connections, or the
/// server named the file.
struct TransferNotice {
  TransferId id = 0;
  TransferEvent::Kind kind = TransferEvent::Kind::split;
};

/// One request's life inside the event loop, across all its attempts. Owned by the loop
/// thread alone; the curl callbacks run on that thread too, so nothing here needs a lock.
struct Transfer {
  TransferId id = 0;
  TransferPhase phase = TransferPhase::submitted;  ///< Only set_phase() changes it.
  Request request;
  std::shared_ptr<detail::TransferState> state;  ///< What the handle waits on.
  const EngineOptions* options = nullptr;
  const http::ProxyRules* proxy_rules = nullptr;  ///< The engine's, read once.

  // Fixed when the request is accepted.
  http::ParsedUrl url;   ///< The source asked now: request.url or one of its mirrors.
  std::string identity;  ///< request.url without a password: what results and state name.
  /// request.url then Request::mirrors, parsed; `source` is the one `url` is.
  std::vector<http::ParsedUrl> sources;
  std::vector<std::string> source_urls;  ///< As given (credentials in them are used).
  std::size_t source = 0;
  std::vector<bool> source_failed;  ///< That source failed for good (a 404, say).
  std::vector<bool> source_tried;   ///< An attempt went to that source.
  std::string display_path;         ///< directory/name as the user will read it.
  std::string output_root;          ///< The directory the output goes beneath (see locate_output).
  std::string output_relative;      ///< The output's name beneath it.
  std::string expected_digest;      ///< "algo:hex" from the request; empty when none.
  std::optional<FileSink> sink;

  // Across attempts.
  int attempts = 0;
  Clock::time_point first_start{};
  std::optional<Clock::time_point> deadline;  ///< From max_time_s.
  std::vector<std::string> attempt_errors;
  Clock::time_point retry_at{};  ///< While waiting between attempts.
  // Progress: a smoothed rate, updated each time the loop publishes.
  double rate = 0;
  std::int64_t rate_bytes = 0;
  bool checksum_retried = false;  ///< A mismatch already caused one fresh download.
  int descriptor_waits = 0;       ///< Starts put off for want of a file descriptor.
  bool split_disabled = false;    ///< The file changed under a split download: one connection now.
  bool server_name_seen = false;  ///< Request::name_from_server: the first body's answer was read.
  /// A ranged request got an answer that broke the body rule: from now on this transfer
  /// asks for the whole body, on one connection.
  bool ranges_refused = false;
  /// This attempt's redirects: where it is now (empty: the URL as requested), how many
  /// hops it took, and whether the origin there may have the request's credentials and
  /// headers (see EngineOptions::location_trusted). Each attempt starts at the URL again.
  std::string hop_url;
  int hops = 0;
  bool hop_trusted = true;
  /// Whether this hop sends Request::post_body: a 301, 302 or 303 turns the POST into a GET.
  bool hop_posts = true;
  http::ProxyChoice proxy;  ///< Where the current request goes through (set_request_target).
  /// Where the loop learns what the callbacks cannot announce themselves (a split, a name).
  std::vector<TransferNotice>* notices = nullptr;
  /// The loop's: how many connections the transfer's host carries (opening_connections()).
  Scheduler* scheduler = nullptr;
  /// While the body comes over several connections; null otherwise.
  std::unique_ptr<SegmentedDownload> segmented;

  // This attempt.
  CURL* easy = nullptr;  ///< Borrowed from the loop's pool while running.
  http::CurlSlist headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::int64_t resume_from = 0;  ///< Offset asked for with Range; 0 for a fresh start.
  std::int64_t resume_to = -1;   ///< End (exclusive) asked for, -1 for the rest of the body.
  /// What an earlier split download left in NAME.part (from its state file).
  std::vector<ByteRange> saved_ranges;
  std::int64_t saved_total = -1;  ///< The size the state file recorded with the bytes resumed.
  std::string if_range;           ///< The validator sent with it.
  http::ResponseHeaders response;
  std::optional<std::uint64_t> claimed_path;  ///< Its output path's claim (PathClaims).
  http::HeaderList kept_headers;  ///< Every header of the response, for to_memory (Result::headers).
  /// to_memory: the start of an HTTP error's body (Result::body of a failed transfer).
  std::string error_body;
  int http_status = 0;
  std::int64_t expected_total = -1;  ///< Whole body size once the response says, else -1.
  bool discard_body = false;         ///< An error page: read it (to keep the connection) but drop it.
  /// What this attempt came to: recorded by the callback that stops it, else by
  /// conclude_attempt() or the loop's interrupt; judge() decides what follows.
  AttemptOutcome outcome;
  BodyPlan body_plan;  ///< What the response says its body is, once it started.
  std::optional<hash::Digest> digest;
  std::string checking_digest;  ///< "algo:hex" this attempt verifies; empty when none.

  Activity activity;  ///< Any connection's bytes, for stall detection and the display.
  /// Rate caps: the run's bucket (EngineOptions::max_bytes_per_s, the loop's) and this
  /// transfer's own (Request::max_bytes_per_s); null when uncapped. See RateBucket.
  RateBucket* run_cap = nullptr;
  std::unique_ptr<RateBucket> own_cap;
  bool paused_by_cap = false;  ///< Its own request's handle waits for tokens.

  // The request's own limits where it sets them, else the engine's.
  int retries() const { return request.retries.value_or(options->retries); }
  double max_time_s() const { return request.max_time_s.value_or(options->max_time_s); }
  IfExists if_exists() const { return request.if_exists.value_or(options->if_exists); }
  int connections() const {
    return request.to_memory ? 1 : std::max(1, request.connections.value_or(options->connections_per_file));
  }
};

/// The one place a transfer changes phase. An illegal move is a bug in the engine: it
/// asserts in a debug build and is reported on stderr otherwise (the move is made). With
/// FETCHPOOL_TRACE_PHASES in the environment, every move is written to stderr.
void set_phase(Transfer& transfer, TransferPhase to);

/// Where the next attempt starts: from zero, or, when `look_on_disk` (and `resume`, or
/// this is the first attempt, which drops what another URL left), after what an earlier
/// attempt or run left in NAME.part, asked with that version's validator; a split
/// download's ranges ask for their first gap. False with `why` when NAME.part cannot be used.
bool find_start(Transfer& transfer, bool look_on_disk, bool resume, std::string* why);

/// Sets every option that differs between attempts (all of them, every time) and resets
/// the attempt's fields.
void configure_attempt(CURL* easy, Transfer& transfer);

/// Sets what one request of `transfer` asks for (its URL; `range` "A-B" or "A-", empty for
/// the whole body) and where libcurl reports (the transfer as the handle's private
/// pointer, `error_buffer`): the same for a transfer's own request and a segment's. With
/// `mirror`, a source other than the transfer's own (a segment spread over the mirrors):
/// that URL as given, through its own proxy, with the request's credentials and headers.
void set_request_target(CURL* easy, Transfer& transfer, const std::string& range, char* error_buffer,
                        std::optional<std::size_t> mirror);

/// Sets the request's own headers (unless `trusted`, as on a hop to another origin, only
/// the harmless ones, see is_harmless_header), and If-Range when `if_range` is not empty (a
/// range of that version, else the whole body), on `easy`; `list` keeps them alive meanwhile.
void set_request_headers(CURL* easy, const Transfer& transfer, const std::string& if_range, bool trusted,
                         http::CurlSlist* list);

/// Headers that carry no secret, sent along any redirect: Accept, Accept-Encoding,
/// Accept-Language, User-Agent, Referer, Cache-Control, Pragma. `header`: "Name: value".
bool is_harmless_header(std::string_view header);

/// Moves `transfer` to `target` (a redirect's Location, made absolute): its next request
/// goes there, with credentials and headers when the origin may have them.
void follow_to(Transfer& transfer, const std::string& target);
/// Back to the URL as requested, as every attempt starts (a redirect's target may have
/// expired): no hops, the origin's credentials, the URL's proxy.
void restart_at_url(Transfer& transfer);

/// Decides, at the first byte of a body (or at the end of an empty one), where the body
/// goes: continue NAME.part after a 206 to our Range, or start from zero; and which digest
/// to check. False (with `transfer.outcome` recorded) when the attempt must stop.
bool start_body(Transfer& transfer);

/// Records what an attempt came to when the loop interrupted it, or libcurl reports it
/// done with `code`, unless a callback already did: curl's failure, an error status, a
/// 416 to a resume, or a body that arrived whole, held against the length the response
/// stated, the request's expected size and the digest.
void conclude_attempt(Transfer& transfer, CURLcode code, Interrupt interrupt);

/// Whether `length` more bytes may be received now under the transfer's rate caps; takes
/// them from its buckets when so. False: the handle is to pause until there are tokens.
bool within_caps(Transfer& transfer, std::size_t length);

/// Digests the bytes of a finished body: records a digest mismatch in `outcome` when they
/// do not match what the transfer checks; otherwise leaves it alone. A body the sink
/// verifies as stored (FileSink::verify_as_stored) is left to its commit.
void check_digest(Transfer& transfer, AttemptOutcome* outcome);
/// `outcome` is a digest mismatch, told by `detail` ("expected A, got B").
void record_digest_mismatch(const Transfer& transfer, std::string detail, AttemptOutcome* outcome);

}  // namespace fetchpool::engine
