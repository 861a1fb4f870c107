#include "engine/transfer.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "engine/output_name.h"
#include "engine/wire_trace.h"
#include "fetchpool/engine.h"
#include "platform/file.h"
#include "text/ascii.h"

namespace fetchpool::engine {
namespace {

using Kind = AttemptOutcome::Kind;

/// How much of an HTTP error's body a to_memory request keeps (Result::body).
constexpr std::size_t kErrorBodyLimit = 64 * 1024;

/// Records why the attempt stops; false, for the callback to return.
bool stop(Transfer& transfer, Kind kind, std::string detail) {
  transfer.outcome = AttemptOutcome::of(kind, std::move(detail));
  return false;
}

/// The sink refused the body (its error already in `outcome.detail`): too large for
/// memory, or not stored.
bool stop_storing(Transfer& transfer) {
  transfer.outcome.kind = transfer.sink->too_large() ? Kind::too_large : Kind::write_error;
  transfer.outcome.descriptor_shortage = platform::take_descriptor_shortage();
  return false;
}

/// Bytes past the end the response stated (a chunked or close-delimited body, which libcurl
/// does not hold to a length) or past the request's expected size stop the attempt as they
/// arrive, before they fill a disk.
bool within_stated_size(Transfer& transfer, std::int64_t length) {
  const std::int64_t after = transfer.sink->stored() + length;
  const std::int64_t expected_size = transfer.request.expected_size;
  if (expected_size >= 0 && after > expected_size) {
    return stop(transfer, Kind::size_mismatch,
                "size mismatch: expected " + std::to_string(expected_size) + " bytes, the server sent more");
  }
  if (transfer.body_plan.end >= 0 && after > transfer.body_plan.end) {
    return stop(transfer, Kind::protocol,
                "the server sent more than the " +
                    std::to_string(transfer.body_plan.end - transfer.body_plan.offset) + " bytes it stated");
  }
  return true;
}

/// The statuses that send a GET elsewhere, when they say where.
bool is_followed_redirect(long status, const http::ResponseHeaders& response) {
  const bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  return redirect && !response.location.empty();
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto& transfer = *static_cast<Transfer*>(user);
  std::size_t length = size * count;
  transfer.activity.bump();
  try {
    http::parse_header_line(std::string_view(data, length), std::time(nullptr), &transfer.response,
                            transfer.request.to_memory ? &transfer.kept_headers : nullptr);
  } catch (...) {
    // Out of memory for a header: the transfer goes on without what it would have told.
  }
  return length;
}

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
  auto& transfer = *static_cast<Transfer*>(user);
  std::size_t length = size * count;
  if (!within_caps(transfer, length)) {  // libcurl keeps these bytes and gives them again
    (transfer.segmented && transfer.segmented->adopted ? transfer.segmented->adopted->paused_by_cap
                                                       : transfer.paused_by_cap) = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  transfer.activity.bump(static_cast<std::int64_t>(length));
  if (transfer.phase == TransferPhase::connecting) {
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    // A redirect's page: the engine follows it once this request ends (conclude_attempt).
    if (is_followed_redirect(status, transfer.response)) return length;
    transfer.discard_body = status >= 400;
    if (transfer.discard_body) {
      set_phase(transfer, TransferPhase::receiving);
    } else {
      try {
        if (!start_body(transfer)) return 0;  // aborts: CURLE_WRITE_ERROR
      } catch (const std::exception& e) {
        stop(transfer, Kind::write_error, e.what());
        return 0;
      }
    }
  }
  if (transfer.discard_body) {
    // What the server says of the error (a registry's JSON errors, OAuth2's error) is for
    // the caller of an API request to read; a file's error page is no file of its own.
    if (transfer.request.to_memory && transfer.error_body.size() < kErrorBodyLimit) {
      try {
        transfer.error_body.append(data, std::min(length, kErrorBodyLimit - transfer.error_body.size()));
      } catch (...) {
        // Out of memory: the error is reported without the server's words.
      }
    }
    return length;
  }
  if (transfer.segmented && transfer.segmented->adopted)
    return write_segment(*transfer.segmented->adopted, data, length);
  if (!within_stated_size(transfer, static_cast<std::int64_t>(length))) return 0;
  if (!transfer.sink->write(data, length, &transfer.outcome.detail)) {
    stop_storing(transfer);
    return 0;
  }
  return length;
}

void set_up_digest(Transfer& transfer) {
  transfer.checking_digest = transfer.expected_digest;
  if (transfer.checking_digest.empty() && transfer.options->verify_server_digest) {
    transfer.checking_digest = transfer.response.advertised_digest;
  }
  if (!transfer.checking_digest.empty()) {
    transfer.digest.emplace(transfer.checking_digest.substr(0, transfer.checking_digest.find(':')));
  }
}

}  // namespace

const char* phase_name(TransferPhase phase) {
  switch (phase) {
    case TransferPhase::submitted: return "submitted";
    case TransferPhase::queued: return "queued";
    case TransferPhase::connecting: return "connecting";
    case TransferPhase::receiving: return "receiving";
    case TransferPhase::waiting: return "waiting";
    case TransferPhase::committing: return "committing";
    case TransferPhase::ended: return "ended";
  }
  return "?";
}

bool phase_move_allowed(TransferPhase from, TransferPhase to) {
  // Rows: from; columns: to, in the enum's order. Every phase but `ended` can end (a
  // refusal, a failure, a cancellation); only an attempt that received a body commits.
  constexpr std::array<std::array<bool, kTransferPhases>, kTransferPhases> kMoves{{
      //  sub    queued connect receive waiting commit ended
      {false, true, false, false, false, false, true},    // submitted: accepted, or refused
      {false, false, true, false, true, false, true},     // queued: started, out of descriptors, or ended
      {false, false, false, true, true, false, true},     // connecting: first byte, or failed
      {false, false, false, false, true, true, true},     // receiving: failed, or verified
      {false, true, false, false, false, false, true},    // waiting: retry due, or cancelled
      {false, false, false, false, true, false, true},    // committing: there, or out of descriptors
      {false, false, false, false, false, false, false},  // ended
  }};
  return kMoves[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
}

void set_phase(Transfer& transfer, TransferPhase to) {
  // FETCHPOOL_TRACE_PHASES set: every move on stderr, for debugging (read once).
  static const bool trace = std::getenv("FETCHPOOL_TRACE_PHASES") != nullptr;
  if (trace) {
    std::fprintf(stderr, "fetchpool: transfer %llu: %s -> %s\n", static_cast<unsigned long long>(transfer.id),
                 phase_name(transfer.phase), phase_name(to));
  }
  if (!phase_move_allowed(transfer.phase, to)) {
    std::fprintf(stderr, "fetchpool: internal error: transfer %llu moved from %s to %s\n",
                 static_cast<unsigned long long>(transfer.id), phase_name(transfer.phase), phase_name(to));
    assert(!"illegal transfer phase move");
  }
  transfer.phase = to;
}

bool find_start(Transfer& transfer, bool look_on_disk, bool resume, std::string* why) {
  transfer.resume_from = 0;
  transfer.resume_to = -1;
  transfer.saved_ranges.clear();
  transfer.saved_total = -1;
  transfer.if_range.clear();
  if (!look_on_disk || !(resume || transfer.attempts == 0)) return true;
  ResumeState saved;
  // The state file names the URL without its password (it lies on disk beside the data),
  // so that same form is what a resume is matched by.
  transfer.resume_from =
      transfer.sink->find_resumable(transfer.identity, transfer.expected_digest, resume, &saved, why);
  if (transfer.resume_from < 0) return false;
  if (!saved.ranges.empty()) {
    // A split download left ranges with holes: ask for the first hole; the others
    // follow once the answer shows the same version.
    transfer.resume_to = saved.total;
    for (const ByteRange& range : saved.ranges) {
      if (range.begin > transfer.resume_from) {
        transfer.resume_to = range.begin;
        break;
      }
    }
    transfer.saved_ranges = std::move(saved.ranges);
  }
  if (transfer.resume_from > 0 || transfer.resume_to >= 0) {
    transfer.saved_total = saved.total;
    transfer.if_range = saved.validator();
  }
  return true;
}

void configure_attempt(CURL* easy, Transfer& transfer) {
  // Every option that differs between transfers is set here, every time: handles are
  // reused without curl_easy_reset (which would also drop the receive buffer each time).
  transfer.easy = easy;
  transfer.error_buffer[0] = '\0';
  transfer.response.clear();
  transfer.http_status = 0;
  transfer.discard_body = false;
  transfer.error_body.clear();
  transfer.outcome = {};
  transfer.body_plan = BodyPlan{};
  transfer.digest.reset();
  transfer.checking_digest.clear();
  transfer.expected_total = -1;
  std::string range;
  if (transfer.resume_to >= 0) {
    range = std::to_string(transfer.resume_from) + "-" + std::to_string(transfer.resume_to - 1);
  } else if (transfer.resume_from > 0) {
    range = std::to_string(transfer.resume_from) + "-";
  }
  set_request_target(easy, transfer, range, transfer.error_buffer, std::nullopt);
  // A pooled handle may last have fetched a segment, with other callbacks and HTTP/1.1.
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // On https, wait for a multiplexed HTTP/2 stream rather than open yet another connection.
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, transfer.url.scheme == "https" ? 1L : 0L);

  set_request_headers(easy, transfer, range.empty() ? std::string() : transfer.if_range, transfer.hop_trusted,
                      &transfer.headers);
}

void set_request_target(CURL* easy, Transfer& transfer, const std::string& range, char* error_buffer,
                        std::optional<std::size_t> mirror) {
  curl_easy_setopt(easy, CURLOPT_RANGE, range.empty() ? nullptr : range.c_str());
  const bool elsewhere = mirror && *mirror != transfer.source;
  const std::string& url = elsewhere                      ? transfer.source_urls[*mirror]
                           : !transfer.hop_url.empty()    ? transfer.hop_url
                           : transfer.source_urls.empty() ? transfer.request.url
                                                          : transfer.source_urls[transfer.source];
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  // A pooled handle keeps the method it last used: set it every time.
  if (transfer.request.post_body && transfer.hop_posts) {
    const std::string& body = *transfer.request.post_body;
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }
  // The engine picks the proxy (see restart_at_url, follow_to), not libcurl from the
  // environment, so that a message names the proxy that was used: "" (direct) or the
  // proxy, and no NO_PROXY of libcurl's own.
  const http::ProxyChoice proxy =
      elsewhere ? transfer.proxy_rules->choose(transfer.sources[*mirror]) : transfer.proxy;
  curl_easy_setopt(easy, CURLOPT_PROXY, proxy.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  set_wire_trace(easy, transfer);
  // Credentials per request, since a handle serves every origin: only where they may go.
  const EngineOptions& options = *transfer.options;
  const bool send = elsewhere || transfer.hop_trusted;  // a mirror is asked as its own URL
  curl_easy_setopt(easy, CURLOPT_USERPWD,
                   send && !options.credentials.empty() ? options.credentials.c_str() : nullptr);
  if (send && !elsewhere && !transfer.hop_url.empty() && !transfer.url.user.empty()) {
    // The URL's own user:password, which libcurl reads only from the URL it is given.
    curl_easy_setopt(easy, CURLOPT_USERNAME, transfer.url.user.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, transfer.url.password.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_NETRC,
                   static_cast<long>(send && options.use_netrc ? CURL_NETRC_OPTIONAL : CURL_NETRC_IGNORED));
}

bool is_harmless_header(std::string_view header) {
  constexpr std::array<std::string_view, 7> kHarmless{
      "accept", "accept-encoding", "accept-language", "user-agent", "referer", "cache-control", "pragma"};
  std::string_view name = header.substr(0, header.find(':'));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return std::any_of(kHarmless.begin(), kHarmless.end(), [name](std::string_view harmless) {
    return text::equals_ignoring_case(name, harmless);
  });
}

void follow_to(Transfer& transfer, const std::string& target) {
  http::ParsedUrl where;
  std::string ignored;
  const bool parsed = http::parse_url(target, &where, &ignored);
  transfer.hop_url = target;
  ++transfer.hops;
  transfer.hop_trusted = http::redirect_keeps_trust(transfer.url.host_key, parsed ? &where : nullptr,
                                                    transfer.options->location_trusted);
  // Called before the next attempt clears it: the status of the redirect being followed.
  if (transfer.http_status != 307 && transfer.http_status != 308) transfer.hop_posts = false;
  transfer.proxy = transfer.proxy_rules->choose(parsed ? where : transfer.url);
}

void restart_at_url(Transfer& transfer) {
  transfer.hop_url.clear();
  transfer.hops = 0;
  transfer.hop_trusted = true;
  transfer.hop_posts = true;
  transfer.proxy = transfer.proxy_rules->choose(transfer.url);
}

void set_request_headers(CURL* easy, const Transfer& transfer, const std::string& if_range, bool trusted,
                         http::CurlSlist* list) {
  curl_slist* headers = nullptr;
  auto append = [&headers](const std::string& header) {
    if (curl_slist* next = curl_slist_append(headers, header.c_str())) headers = next;
  };
  for (const std::string& header : transfer.request.headers)
    if (trusted || is_harmless_header(header)) append(header);
  // If the version changed since the bytes on disk were written, the server answers 200
  // with the whole new body instead of 206: the bytes of two versions are never mixed.
  if (!if_range.empty()) append("If-Range: " + if_range);
  list->reset(headers);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
}

namespace {

/// Whether a response names the version `validator` (an ETag, or a Last-Modified date) or
/// names none of that kind.
bool same_version(const std::string& validator, const http::ResponseHeaders& response) {
  const bool is_etag = validator.front() == '"' || validator.rfind("W/", 0) == 0;
  const std::string& named = is_etag ? response.etag : response.last_modified;
  return named.empty() || named == validator;
}

/// Request::name_from_server, at the first body of this run: takes the name the server
/// gave, when usable, and applies the IfExists rule to the name as it is now, as start()
/// does for a name known up front. False (the outcome recorded) when the attempt stops.
bool take_server_name(Transfer& transfer) {
  transfer.server_name_seen = true;
  if (std::string name = file_name_from_server(transfer.response.disposition_name); !name.empty()) {
    auto with_leaf = [&name](const std::string& path) {
      std::size_t slash = path.find_last_of("/\\");
      return (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + name;
    };
    if (std::string display = with_leaf(transfer.display_path); display != transfer.display_path) {
      transfer.display_path = display;
      transfer.output_relative = with_leaf(transfer.output_relative);
      transfer.sink->rename_final(name, std::move(display));
      if (transfer.notices) transfer.notices->push_back({transfer.id, TransferEvent::Kind::named});
    }
  }
  bool exists = false;
  std::string why;
  const IfExists rule = transfer.if_exists();
  if (!transfer.sink->check_final(rule, &exists, &why))
    return stop(transfer, Kind::write_error, std::move(why));
  if (exists && rule == IfExists::skip) return stop(transfer, Kind::exists, "already exists; kept it");
  if (exists && rule == IfExists::fail)
    return stop(transfer, Kind::write_error, already_exists_message(transfer.display_path));
  return true;
}

std::string size_mismatch_message(std::int64_t expected, std::int64_t actual, bool stated) {
  return "size mismatch: expected " + std::to_string(expected) + " bytes, the server " +
         (stated ? "states " : "sent ") + std::to_string(actual);
}

}  // namespace

bool start_body(Transfer& transfer) {
  set_phase(transfer, TransferPhase::receiving);
  long status = 0;
  curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t length = -1;
  curl_easy_getinfo(transfer.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  const AskedRange asked{transfer.resume_from, transfer.resume_to};
  transfer.body_plan = plan_body(asked, status, length, transfer.response);
  const BodyPlan& plan = transfer.body_plan;
  if (!plan.is_body) return stop(transfer, Kind::protocol, plan.problem);
  const std::int64_t expected_size = transfer.request.expected_size;
  if (expected_size >= 0 && plan.total >= 0 && plan.total != expected_size)
    return stop(transfer, Kind::size_mismatch, size_mismatch_message(expected_size, plan.total, true));
  const std::int64_t offset = plan.offset;
  const std::int64_t total = plan.total;
  if (status == 206 && !transfer.if_range.empty() && !same_version(transfer.if_range, transfer.response)) {
    // If-Range asked for the rest of this version only; a server (or a cache) that
    // ignored it sent a range of another version: those bytes never join ours.
    return stop(transfer, Kind::restart,
                "the file changed on the server (the range came with another version); starting over");
  }
  // The bytes on disk belong to a body of the size their state recorded: a 206 for a body
  // of another size is another file, whatever its validator says.
  if (status == 206 && transfer.saved_total >= 0 && total != transfer.saved_total) {
    return stop(transfer, Kind::restart, "the file's size changed on the server; starting over");
  }
  if (transfer.request.name_from_server && !transfer.request.to_memory && !transfer.server_name_seen &&
      !take_server_name(transfer))
    return false;
  transfer.expected_total = total;
  if (should_split(transfer, status, offset, total)) {
    if (!start_split(transfer, status, offset, total)) return false;
    set_up_digest(transfer);  // the split download feeds it as the contiguous prefix grows
    return true;
  }
  if (status == 206 && transfer.resume_to >= 0) {
    // Asked for one gap of a split download's ranges, but it cannot go on split (say the
    // answer names no version): the ranges around the gap cannot be trusted.
    return stop(transfer, Kind::restart,
                "cannot continue the download over several connections; starting over");
  }
  ResumeState state;
  state.url = transfer.identity;
  state.digest = transfer.expected_digest;
  state.etag = transfer.response.etag;
  state.last_modified = transfer.response.last_modified;
  state.total = total;
  if (!transfer.sink->begin(offset, state, &transfer.outcome.detail)) return stop_storing(transfer);
  if (offset == 0 && !transfer.sink->expect_size(length, &transfer.outcome.detail))
    return stop_storing(transfer);

  set_up_digest(transfer);
  if (!transfer.digest) return true;
  // Digests follow the bytes in order: after a resume, the bytes already on disk first.
  if (offset > 0 && !transfer.sink->hash_prefix(offset, &*transfer.digest, &transfer.outcome.detail)) {
    return stop(transfer, Kind::restart, std::move(transfer.outcome.detail));
  }
  transfer.sink->verify_as_stored(&*transfer.digest, transfer.checking_digest);
  return true;
}

void conclude_attempt(Transfer& transfer, CURLcode code, Interrupt interrupt) {
  long status = 0;
  curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
  transfer.http_status = static_cast<int>(status);
  AttemptOutcome& outcome = transfer.outcome;
  if (interrupt == Interrupt::none && !outcome.recorded() && code == CURLE_OK &&
      is_followed_redirect(status, transfer.response)) {
    // libcurl makes the Location absolute; one it cannot (a port past 65535, say) stays as
    // sent, and judge() refuses it at once. judge() says whether it is followed.
    char* target = nullptr;
    curl_easy_getinfo(transfer.easy, CURLINFO_REDIRECT_URL, &target);
    outcome = AttemptOutcome::of(Kind::redirect, target != nullptr ? target : transfer.response.location);
    outcome.http_status = transfer.http_status;
    return;
  }
  // A complete empty body never reached the write callback: decide where it goes now.
  if (interrupt == Interrupt::none && !outcome.recorded() && code == CURLE_OK && status < 400 &&
      transfer.phase == TransferPhase::connecting)
    start_body(transfer);
  long connect_status = 0;
  curl_easy_getinfo(transfer.easy, CURLINFO_HTTP_CONNECTCODE, &connect_status);
  const RequestEnd end{
      interrupt,     code, status, transfer.error_buffer, &transfer.response, transfer.resume_from,
      connect_status};
  if (record_end(&outcome, end)) {
    // Settled by how it ended.
  } else if (std::string problem = check_body_length(transfer.body_plan, transfer.sink->stored());
             !problem.empty()) {
    // A body cut short of what its headers stated (one without Content-Length, which
    // libcurl cannot hold to a length): truncated, like a connection closed early, so
    // the bytes received are kept and continued.
    outcome.kind = Kind::truncated;
    outcome.detail = std::move(problem);
  } else if (const std::int64_t expected_size = transfer.request.expected_size;
             expected_size >= 0 && transfer.sink->stored() != expected_size) {
    outcome.kind = Kind::size_mismatch;
    outcome.detail = size_mismatch_message(expected_size, transfer.sink->stored(), false);
  } else {
    outcome.kind = Kind::completed;
    check_digest(transfer, &outcome);
  }
}

bool within_caps(Transfer& transfer, std::size_t length) {
  if ((transfer.run_cap && transfer.run_cap->empty()) || (transfer.own_cap && transfer.own_cap->empty()))
    return false;
  const auto bytes = static_cast<std::int64_t>(length);
  if (transfer.run_cap) transfer.run_cap->take(bytes);
  if (transfer.own_cap) transfer.own_cap->take(bytes);
  return true;
}

void check_digest(Transfer& transfer, AttemptOutcome* outcome) {
  // A body through the sink is checked by its commit, once the disk thread has hashed
  // the last blocks: see digest_differed().
  if (!transfer.digest || transfer.sink->verifies_digest()) return;
  std::string expected = transfer.checking_digest;
  std::string actual = expected.substr(0, expected.find(':') + 1) + transfer.digest->finish();
  if (actual == expected) return;
  record_digest_mismatch(transfer, hash::mismatch_detail(expected, actual), outcome);
}

void record_digest_mismatch(const Transfer& transfer, std::string detail, AttemptOutcome* outcome) {
  outcome->kind = Kind::digest_mismatch;
  outcome->detail = std::move(detail);
  outcome->advertised = transfer.expected_digest.empty();
}

}  // namespace fetchpool::engine
