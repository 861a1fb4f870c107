#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/activity.h"
#include "engine/segment_planner.h"
#include "engine/verdict.h"
#include "http/curl_handles.h"
#include "http/response_headers.h"

namespace fetchpool::engine {

struct Transfer;
using Clock = std::chrono::steady_clock;

/// One connection of a download split over several: it fetches one segment with a Range
/// request, writing at the segment's offsets, then the next segment while there is work.
/// The transfer's first connection becomes one when the download is split: it is
/// "adopted" until its original request ends (its callbacks still reach the Transfer).
struct SegmentConnection {
  Transfer* owner = nullptr;
  int segment = -1;
  /// Which of the transfer's sources (Transfer::sources) it asks: its own, or a mirror's.
  std::size_t source = 0;
  CURL* easy = nullptr;
  bool adopted = false;
  http::CurlSlist headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  http::ResponseHeaders response;
  std::int64_t offset = 0;  ///< The next byte this connection receives.
  std::string pending;      ///< Received bytes not yet written, from pending_at.
  std::int64_t pending_at = 0;
  std::int64_t request_end = 0;  ///< End (exclusive) of the bytes the request asked for.
  bool body_started = false;
  bool discard_body = false;  ///< An error page: read it, keep nothing.
  /// What this request came to, recorded by the callback that stopped it (completed:
  /// stopped by us, its segment split and its part there, or the first, open-ended request
  /// asking again for just its segment; start_over: not the range asked of the same
  /// version), else by EventLoop::end_connection.
  AttemptOutcome outcome;
  Activity activity;           ///< This connection's bytes, for its own stall detection.
  bool paused_by_cap = false;  ///< Its handle waits for the rate caps' tokens.
};

/// The state of a transfer whose body comes over several connections at once.
struct SegmentedDownload {
  /// `total` bytes, of which `done` are on disk, planned in `opening_parts` equal parts (or
  /// one per gap of `done`); up to `connection_limit` connections fetch them.
  SegmentedDownload(std::int64_t total, int opening_parts, int connection_limit, std::int64_t min_split,
                    const std::vector<ByteRange>& done, std::string version);

  /// The segment a free connection should fetch now: a waiting one whose retry time has
  /// come (in file order), else, when `may_split`, the back half of the largest segment
  /// being fetched, split off. Marked busy. nullopt when there is none.
  std::optional<int> take_work(Clock::time_point now, bool may_split = true);
  /// The unfinished, idle segment that starts at `offset` (for the first connection), busy.
  std::optional<int> take_segment_at(std::int64_t offset);

  SegmentPlanner planner;
  std::string validator;  ///< If-Range of every range request: the version being fetched.
  int max_connections;
  /// When it was planned: the connections receiving from its host besides its own, and
  /// whether that room, not -x or the size, set how many parts it has (for -v).
  int others_on_host = 0;
  bool limited_by_host = false;
  std::vector<std::unique_ptr<SegmentConnection>> connections;  ///< Those with a request.
  SegmentConnection* adopted = nullptr;
  struct Tries {
    bool busy = false;  ///< A connection is fetching it.
    int attempts = 0;   ///< Failed requests for it.
    Clock::time_point retry_at{};
  };
  std::vector<Tries> tries;  ///< By segment id.
  std::int64_t hashed = 0;   ///< The digest covers bytes [0, hashed).
  /// By source: a mirror that failed a range, or answered another size or version, for
  /// this file; no connection asks it again.
  std::vector<bool> refused_sources;
  /// By source: a mirror whose answer was the right range of the same file. Until then it
  /// gets one connection, so an unproven mirror is never asked for many parts at once.
  std::vector<bool> proven_sources;
  std::size_t next_source = 0;  ///< Where next_connection_source() looks first.
};

/// The source a new connection of `transfer`'s split download asks: each usable one in
/// turn, so that the segments spread over the mirrors (aria2's way with -x and several
/// URIs). Usable: not failed for good (Transfer::source_failed) nor refused for this file,
/// and not waiting for its first answer on another connection.
/// Always the transfer's own when it has no mirrors, and after a checksum mismatch (the
/// fresh download then comes from one server).
std::size_t next_connection_source(Transfer& transfer);

/// At the first byte of a response to the transfer's first request: true when the body
/// should come over several connections (the size is known, the server takes ranges and
/// names the version, the options allow it, and there is enough left to split, or a
/// resume of several ranges asked for the first gap only).
bool should_split(const Transfer& transfer, long status, std::int64_t offset, std::int64_t total);
/// How many more connections a split of `transfer` may have its host carry: the file's
/// connections() (or EngineOptions::max_per_host, when that is set and larger) less the
/// connections receiving from that host now (its own included), so negative when the host
/// carries more. Several files from one host are already several connections: splitting
/// each of them too would add connections the host does not need, each costing the server
/// a range request and the digest a read-back of what arrived out of order. When the parts spread over
/// mirrors the extra connections go to other servers: then the file's connections() whatever the host
/// carries.
int room_on_host(const Transfer& transfer);
/// How many parts a file being split starts with: one, plus the room its host has, up to
/// its connections(). The loop splits running parts as the host has room again
/// (EventLoop::tend_splits), so the last large file of a batch still ends split.
int opening_connections(const Transfer& transfer);
/// Splits the transfer: sets up the SegmentedDownload and NAME.part, and adopts the first
/// connection for the segment at `offset`. False (with `transfer.outcome`) on failure.
bool start_split(Transfer& transfer, long status, std::int64_t offset, std::int64_t total);

/// Stores bytes that arrived on `connection`, up to its segment's end; returns what
/// libcurl expects back (`length`, or 0 to stop the request).
std::size_t write_segment(SegmentConnection& connection, const char* data, std::size_t length);

/// Writes what `connection` has gathered (clipped to its segment, which a split may have
/// shortened); only then do those bytes count as on disk. False (with `error`) when they
/// could not be written.
bool flush_segment(SegmentConnection& connection, std::string* error);

/// Points `easy` at the next range of `connection.segment`, with its own callbacks.
void configure_segment_request(CURL* easy, SegmentConnection& connection);

}  // namespace fetchpool::engine
