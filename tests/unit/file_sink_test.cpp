// FileSink, driven as the event loop drives it (begin, expect_size, write in curl-sized
// pieces, maybe_persist on the timer, commit / suspend / abandon), in a real temporary
// directory. What a real filesystem will not do on demand (a full disk at a chosen step,
// an unwritable state file) comes from platform::FaultInjection.

#include "engine/file_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/fault_injection.h"
#include "support/process.h"

namespace fetchpool::engine {
namespace {

namespace fs = std::filesystem;
using platform::FaultInjection;
using platform::FileOp;

constexpr std::int64_t kMemoryLimit = 64 * 1024;
constexpr std::size_t kPiece = 16 * 1024;  // what libcurl hands over per callback
const std::string kUrl = "https://example.test/data/file.bin";

std::string make_body(std::size_t size) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return body;
}

// Every name in `path`, sorted (empty when it does not exist).
std::vector<std::string> entries(const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

using Names = std::vector<std::string>;

// Compares file contents without printing a megabyte when they differ.
testing::AssertionResult same_bytes(const std::string& actual, const std::string& expected) {
  if (actual == expected) return testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
  return testing::AssertionFailure() << actual.size() << " bytes where " << expected.size()
                                     << " were expected, first difference at byte " << at;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ResumeState response_state(std::int64_t total) {
  ResumeState state;
  state.url = kUrl;
  state.etag = "\"v1\"";
  state.total = total;
  return state;
}

// How a body reaches commit(): held in memory, spilled to an unnamed file, or spilled and
// named NAME.part (+ state) by the loop's timer.
enum class Body { memory, unnamed, named };

std::string body_name(const testing::TestParamInfo<Body>& info) {
  switch (info.param) {
    case Body::memory: return "InMemory";
    case Body::unnamed: return "Spilled";
    case Body::named: return "SpilledAndNamed";
  }
  return "?";
}

class FileSinkTest : public testing::Test {
 protected:
  std::string root() const { return dir_.path(); }
  std::string final_path() const { return dir_ / "file.bin"; }

  std::unique_ptr<FileSink> make_sink(bool memory_only = false, bool write_behind = false) {
    return std::make_unique<FileSink>(final_path(), root(), "file.bin", kMemoryLimit, std::string(),
                                      memory_only, write_behind ? &disk_ : nullptr,
                                      write_behind ? &blocks_ : nullptr);
  }

  // begin() + expect_size() at offset 0, as a 200 response with Content-Length does.
  static bool start(FileSink& sink, std::int64_t total, std::string* error) {
    return sink.begin(0, response_state(total), error) && sink.expect_size(total, error);
  }

  // Feeds `body` from `from` on in curl-sized pieces; false at the first failed write.
  static bool feed(FileSink& sink, const std::string& body, std::string* error, std::size_t from = 0) {
    for (std::size_t at = from; at < body.size(); at += kPiece) {
      if (!sink.write(body.data() + at, std::min(kPiece, body.size() - at), error)) return false;
    }
    return true;
  }

  // The loop's timer, long enough after the spill for the body to be made resumable.
  static void timer_fires(FileSink& sink) {
    sink.maybe_persist(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  }

  static std::size_t size_of(Body kind) { return kind == Body::memory ? 10 * 1000 : 600 * 1000; }

  // A body of `kind`, received completely, not committed yet.
  void receive(FileSink& sink, Body kind, const std::string& body) {
    std::string error;
    ASSERT_TRUE(start(sink, static_cast<std::int64_t>(body.size()), &error)) << error;
    ASSERT_TRUE(feed(sink, body, &error)) << error;
    if (kind == Body::named) {
      timer_fires(sink);
      ASSERT_EQ(entries(root()), (Names{"file.bin.part", "file.bin.part.state"}));
    } else {
      ASSERT_EQ(entries(root()), Names{}) << "nothing is named before commit";
    }
  }

  test::TempDir dir_;
  TaskThread disk_;  // declared before the sinks of a test: outlives them
  BlockPool blocks_{16, 32};
};

// --- A full disk -----------------------------------------------------------------------

TEST_F(FileSinkTest, NoRoomForTheReservedSizeFailsBeforeTheBodyIsWrittenAndLeavesNothing) {
  FaultInjection faults;
  faults.fail(FileOp::reserve, ENOSPC);
  const std::string body = make_body(600 * 1000);
  auto sink = make_sink();
  std::string error;
  ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  EXPECT_FALSE(feed(*sink, body, &error));
  EXPECT_TRUE(contains(error, final_path())) << error;
  EXPECT_TRUE(contains(error, "No space left on device")) << error;
  EXPECT_EQ(faults.calls(FileOp::write), 0) << "failed at the reservation, before any byte was written";
  sink->abandon();  // a filesystem error is permanent: the loop drops the body
  EXPECT_EQ(entries(root()), Names{});
}

TEST_F(FileSinkTest, NoRoomForTheReservedSizeWithoutUnnamedFilesDropsThePartAndItsState) {
  FaultInjection faults;
  faults.fail(FileOp::create, EOPNOTSUPP);  // no O_TMPFILE here: NAME.part is made at once
  faults.fail(FileOp::reserve, ENOSPC);
  const std::string body = make_body(600 * 1000);
  auto sink = make_sink();
  std::string error;
  ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  EXPECT_FALSE(feed(*sink, body, &error));
  EXPECT_TRUE(contains(error, "No space left on device")) << error;
  EXPECT_EQ(entries(root()), (Names{"file.bin.part", "file.bin.part.state"})) << "made, state first";
  sink->abandon();
  EXPECT_EQ(entries(root()), Names{});
}

TEST_F(FileSinkTest, AFullDiskPartWayThroughFailsTheWriteNamingTheFileAndAbandonLeavesNothing) {
  FaultInjection faults;
  const std::string body = make_body(900 * 1000);
  const std::size_t first = 300 * 1000;
  auto sink = make_sink();
  std::string error;
  ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  ASSERT_TRUE(feed(*sink, body.substr(0, first), &error)) << error;
  timer_fires(*sink);
  ASSERT_EQ(entries(root()), (Names{"file.bin.part", "file.bin.part.state"}));
  faults.fail(FileOp::write, ENOSPC);  // the next block
  EXPECT_FALSE(feed(*sink, body, &error, first));
  EXPECT_TRUE(contains(error, final_path())) << error;
  EXPECT_TRUE(contains(error, "No space left on device")) << error;
  EXPECT_TRUE(contains(error, "free some space")) << error;
  sink->abandon();
  EXPECT_EQ(entries(root()), Names{});
}

TEST_F(FileSinkTest, ABlockThatFailsOnTheDiskThreadFailsTheCommitAndNothingIsNamed) {
  FaultInjection faults;
  faults.fail(FileOp::write, ENOSPC, /*nth=*/2);
  const std::string body = make_body(900 * 1000);
  auto sink = make_sink(/*memory_only=*/false, /*write_behind=*/true);
  std::string error;
  ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  // Written behind: the write calls may all return before the block fails.
  const bool fed = feed(*sink, body, &error);
  bool existed = false;
  if (fed) {
    EXPECT_FALSE(sink->commit(IfExists::fail, &error, &existed));
  }
  EXPECT_FALSE(existed);
  EXPECT_TRUE(contains(error, "No space left on device")) << error;
  EXPECT_EQ(faults.failed(FileOp::write), 1);
  if (!fed) sink->abandon();
  EXPECT_EQ(entries(root()), Names{});
}

class FileSinkCommitTest : public FileSinkTest, public testing::WithParamInterface<Body> {};

TEST_P(FileSinkCommitTest, AFullDiskAtTheCommitFailsItAndTheFinalNameNeverAppears) {
  const Body kind = GetParam();
  const std::string body = make_body(size_of(kind));
  auto sink = make_sink();
  receive(*sink, kind, body);
  FaultInjection faults;
  // A body in memory is written whole, then linked into place; an unnamed one is linked;
  // NAME.part is renamed.
  faults.fail(kind == Body::named ? FileOp::rename : FileOp::link, ENOSPC);
  std::string error;
  bool existed = false;
  EXPECT_FALSE(sink->commit(IfExists::fail, &error, &existed));
  EXPECT_FALSE(existed);
  EXPECT_TRUE(contains(error, final_path())) << error;
  EXPECT_TRUE(contains(error, "No space left on device")) << error;
  EXPECT_EQ(faults.failed(kind == Body::named ? FileOp::rename : FileOp::link), 1);
  // A failed commit drops the body, NAME.part and its state with it (file_sink.h).
  EXPECT_EQ(entries(root()), Names{});
}

// --- Something appears at the final name while downloading ------------------------------

TEST_P(FileSinkCommitTest, AFileThatAppearedIsKeptWithSkipAndFail) {
  for (IfExists if_exists : {IfExists::skip, IfExists::fail}) {
    const std::string body = make_body(size_of(GetParam()));
    auto sink = make_sink();
    receive(*sink, GetParam(), body);
    test::write_file(final_path(), "theirs");
    std::string error;
    bool existed = false;
    EXPECT_FALSE(sink->commit(if_exists, &error, &existed));
    EXPECT_TRUE(existed) << "the loop reports skip as skipped, fail as failed";
    EXPECT_TRUE(contains(error, final_path()) && contains(error, "appeared while downloading")) << error;
    EXPECT_EQ(test::read_file(final_path()), "theirs");
    EXPECT_EQ(entries(root()), Names{"file.bin"});
    fs::remove(final_path());
  }
}

TEST_P(FileSinkCommitTest, AFileThatAppearedIsReplacedWithOverwrite) {
  const std::string body = make_body(size_of(GetParam()));
  auto sink = make_sink();
  receive(*sink, GetParam(), body);
  test::write_file(final_path(), "theirs");
  std::string error;
  bool existed = false;
  ASSERT_TRUE(sink->commit(IfExists::overwrite, &error, &existed)) << error;
  EXPECT_TRUE(same_bytes(test::read_file(final_path()), body));
  EXPECT_EQ(entries(root()), Names{"file.bin"});
}

TEST_P(FileSinkCommitTest, ASymbolicLinkThatAppearedIsNeverWrittenThrough) {
  test::TempDir outside;
  const std::string victim = outside / "victim";
  for (IfExists if_exists : {IfExists::skip, IfExists::fail, IfExists::overwrite}) {
    const std::string body = make_body(size_of(GetParam()));
    test::write_file(victim, "precious");
    auto sink = make_sink();
    receive(*sink, GetParam(), body);
    fs::create_symlink(victim, final_path());
    std::string error;
    bool existed = false;
    const bool committed = sink->commit(if_exists, &error, &existed);
    EXPECT_EQ(test::read_file(victim), "precious") << "written through the link";
    EXPECT_EQ(entries(outside.path()), Names{"victim"});
    if (if_exists == IfExists::overwrite) {
      // The link itself is replaced by the file.
      ASSERT_TRUE(committed) << error;
      EXPECT_FALSE(fs::is_symlink(fs::symlink_status(final_path())));
      EXPECT_TRUE(same_bytes(test::read_file(final_path()), body));
    } else {
      EXPECT_FALSE(committed);
      EXPECT_TRUE(existed);
      EXPECT_TRUE(fs::is_symlink(fs::symlink_status(final_path()))) << "the link is kept";
    }
    EXPECT_EQ(entries(root()), Names{"file.bin"});
    fs::remove(final_path());
  }
}

TEST_P(FileSinkCommitTest, ADirectoryThatAppearedIsNeverReplaced) {
  for (IfExists if_exists : {IfExists::skip, IfExists::fail, IfExists::overwrite}) {
    const std::string body = make_body(size_of(GetParam()));
    auto sink = make_sink();
    receive(*sink, GetParam(), body);
    fs::create_directory(final_path());
    test::write_file(final_path() + "/inside", "theirs");
    std::string error;
    bool existed = false;
    EXPECT_FALSE(sink->commit(if_exists, &error, &existed));
    EXPECT_TRUE(contains(error, final_path())) << error;
    EXPECT_TRUE(fs::is_directory(fs::symlink_status(final_path())));
    EXPECT_EQ(entries(final_path()), Names{"inside"});
    EXPECT_EQ(test::read_file(final_path() + "/inside"), "theirs");
    EXPECT_EQ(entries(root()), Names{"file.bin"}) << "no NAME.part or state left";
    fs::remove_all(final_path());
  }
}

TEST_P(FileSinkCommitTest, ACommitPutsTheWholeBodyUnderTheFinalNameAndNothingElse) {
  const std::string body = make_body(size_of(GetParam()));
  auto sink = make_sink();
  receive(*sink, GetParam(), body);
  std::string error;
  bool existed = true;
  ASSERT_TRUE(sink->commit(IfExists::fail, &error, &existed)) << error;
  EXPECT_TRUE(same_bytes(test::read_file(final_path()), body));
  EXPECT_EQ(entries(root()), Names{"file.bin"});
}

INSTANTIATE_TEST_SUITE_P(Bodies, FileSinkCommitTest,
                         testing::Values(Body::memory, Body::unnamed, Body::named), body_name);

// --- The state file is a hint ------------------------------------------------------------

TEST_F(FileSinkTest, AStateFileThatCannotBeWrittenCostsOnlyTheResume) {
  FaultInjection faults;
  faults.fail(FileOp::replace, EIO, 1, /*times=*/0);  // every state write
  const std::string body = make_body(900 * 1000);
  auto sink = make_sink();
  std::string error;
  ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  ASSERT_TRUE(feed(*sink, body, &error, 0)) << error;
  timer_fires(*sink);
  EXPECT_GE(faults.failed(FileOp::replace), 1) << "the state write was tried";
  // Without a state NAME.part would look like someone's file: the body stays unnamed.
  EXPECT_EQ(entries(root()), Names{});
  bool existed = false;
  ASSERT_TRUE(sink->commit(IfExists::fail, &error, &existed)) << error;
  EXPECT_TRUE(same_bytes(test::read_file(final_path()), body));
  EXPECT_EQ(entries(root()), Names{"file.bin"}) << "no NAME.part.state.tmp left";
}

TEST_F(FileSinkTest, AnUnwritableStateWithoutUnnamedFilesStillCompletesTheDownload) {
  FaultInjection faults;
  faults.fail(FileOp::create, EOPNOTSUPP);
  faults.fail(FileOp::replace, EACCES, 1, /*times=*/0);
  const std::string body = make_body(900 * 1000);
  auto sink = make_sink();
  std::string error;
  ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  ASSERT_TRUE(feed(*sink, body, &error)) << error;
  timer_fires(*sink);
  bool existed = false;
  ASSERT_TRUE(sink->commit(IfExists::fail, &error, &existed)) << error;
  EXPECT_TRUE(same_bytes(test::read_file(final_path()), body));
  EXPECT_EQ(entries(root()), Names{"file.bin"});
}

TEST_F(FileSinkTest, AnAttemptEndedWithoutAStateLeavesNothingThatBlocksTheNextRun) {
  const std::string body = make_body(900 * 1000);
  {
    FaultInjection faults;
    faults.fail(FileOp::create, EOPNOTSUPP);  // NAME.part made at once
    faults.fail(FileOp::replace, EACCES, 1, /*times=*/0);
    auto sink = make_sink();
    std::string error;
    ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
    ASSERT_TRUE(feed(*sink, body, &error, body.size() / 2)) << error;
    timer_fires(*sink);
    sink->suspend();  // a network error: the loop keeps what can be resumed
  }
  // The next run: nothing there claims to be someone else's file.
  auto next = make_sink();
  ResumeState state;
  std::string error;
  EXPECT_EQ(next->find_resumable(kUrl, "", true, &state, &error), 0) << error;
  EXPECT_EQ(entries(root()), Names{});
}

// --- Resuming ------------------------------------------------------------------------------

class FileSinkResumeTest : public FileSinkTest {
 protected:
  // An earlier attempt that stopped after `received` bytes (a network error: suspend()).
  void leave_part(const std::string& body, std::size_t received) {
    auto sink = make_sink();
    std::string error;
    ASSERT_TRUE(start(*sink, static_cast<std::int64_t>(body.size()), &error)) << error;
    ASSERT_TRUE(feed(*sink, body.substr(0, received), &error)) << error;
    timer_fires(*sink);
    sink->suspend();
    ASSERT_EQ(entries(root()), (Names{"file.bin.part", "file.bin.part.state"}));
  }
};

TEST_F(FileSinkResumeTest, APartWithAStateForThisUrlIsContinuedFromItsPrefix) {
  const std::string body = make_body(900 * 1000);
  const std::size_t received = 300 * 1000;
  leave_part(body, received);
  auto sink = make_sink(false, /*write_behind=*/true);
  ResumeState saved;
  std::string error;
  const std::int64_t offset = sink->find_resumable(kUrl, "", true, &saved, &error);
  ASSERT_EQ(offset, static_cast<std::int64_t>(received)) << error;
  EXPECT_EQ(saved.url, kUrl);
  EXPECT_EQ(saved.validator(), "\"v1\"") << "what If-Range is sent with";
  EXPECT_EQ(saved.total, static_cast<std::int64_t>(body.size()));
  ASSERT_TRUE(sink->begin(offset, saved, &error)) << error;
  // A checksum follows the bytes in order: those already on disk first.
  hash::Digest digest("sha256");
  ASSERT_TRUE(sink->hash_prefix(offset, &digest, &error)) << error;
  ASSERT_TRUE(feed(*sink, body, &error, received)) << error;
  digest.update(body.data() + received, body.size() - received);
  hash::Digest whole("sha256");
  whole.update(body.data(), body.size());
  EXPECT_EQ(digest.finish(), whole.finish());
  bool existed = false;
  ASSERT_TRUE(sink->commit(IfExists::fail, &error, &existed)) << error;
  EXPECT_TRUE(same_bytes(test::read_file(final_path()), body));
  EXPECT_EQ(entries(root()), Names{"file.bin"});
}

TEST_F(FileSinkResumeTest, APartOfAnotherUrlIsNeverTouched) {
  const std::string body = make_body(900 * 1000);
  leave_part(body, 300 * 1000);
  const std::string part = test::read_file(dir_ / "file.bin.part");
  const std::string state = test::read_file(dir_ / "file.bin.part.state");
  for (bool resume : {true, false}) {
    auto sink = make_sink();
    ResumeState saved;
    std::string error;
    EXPECT_EQ(sink->find_resumable("https://example.test/other.bin", "", resume, &saved, &error), -1);
    EXPECT_TRUE(contains(error, final_path() + ".part'") &&
                contains(error, "not left by fetchpool for this URL"))
        << error;
    EXPECT_EQ(entries(root()), (Names{"file.bin.part", "file.bin.part.state"}));
    EXPECT_TRUE(same_bytes(test::read_file(dir_ / "file.bin.part"), part));
    EXPECT_EQ(test::read_file(dir_ / "file.bin.part.state"), state);
  }
}

TEST_F(FileSinkResumeTest, APartWithoutAStateIsSomeonesFileAndNeverTouched) {
  test::write_file(dir_ / "file.bin.part", "someone's own file.bin.part");
  for (bool resume : {true, false}) {
    auto sink = make_sink();
    ResumeState saved;
    std::string error;
    EXPECT_EQ(sink->find_resumable(kUrl, "", resume, &saved, &error), -1);
    EXPECT_TRUE(contains(error, final_path() + ".part'") && contains(error, "move it away")) << error;
    EXPECT_EQ(entries(root()), Names{"file.bin.part"});
    EXPECT_EQ(test::read_file(dir_ / "file.bin.part"), "someone's own file.bin.part");
  }
}

TEST_F(FileSinkResumeTest, NoContinueDropsOnlyWhatThisUrlLeft) {
  leave_part(make_body(900 * 1000), 300 * 1000);
  test::write_file(dir_ / "other.bin", "unrelated");
  auto sink = make_sink();
  ResumeState saved;
  std::string error;
  EXPECT_EQ(sink->find_resumable(kUrl, "", /*resume=*/false, &saved, &error), 0) << error;
  EXPECT_EQ(entries(root()), Names{"other.bin"});
}

// --- Bodies kept in memory ----------------------------------------------------------------

TEST_F(FileSinkTest, AMemoryOnlySinkTouchesNoDisk) {
  FaultInjection faults;
  const std::string missing_root = dir_ / "never-made";
  const std::string body = make_body(50 * 1000);
  FileSink sink(missing_root + "/file.bin", missing_root, "file.bin", kMemoryLimit, std::string(), true);
  std::string error;
  ASSERT_TRUE(start(sink, static_cast<std::int64_t>(body.size()), &error)) << error;
  ASSERT_TRUE(feed(sink, body, &error)) << error;
  bool existed = false;
  ASSERT_TRUE(sink.commit(IfExists::fail, &error, &existed)) << error;
  auto taken = sink.take_body();
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken, body);
  EXPECT_EQ(faults.total_calls(), 0);
  EXPECT_FALSE(fs::exists(missing_root));
}

TEST_F(FileSinkTest, AMemoryOnlyBodyOverItsLimitFailsWithoutSpilling) {
  FaultInjection faults;
  const std::string missing_root = dir_ / "never-made";
  const std::string body = make_body(100 * 1000);
  for (bool size_known : {true, false}) {
    FileSink sink(missing_root + "/file.bin", missing_root, "file.bin", kMemoryLimit, std::string(), true);
    std::string error;
    ASSERT_TRUE(sink.begin(0, response_state(-1), &error)) << error;
    const bool ok = size_known ? sink.expect_size(static_cast<std::int64_t>(body.size()), &error)
                               : feed(sink, body, &error);
    EXPECT_FALSE(ok);
    EXPECT_TRUE(sink.too_large());
    EXPECT_TRUE(contains(error, "in-memory limit of 65536 bytes")) << error;
    sink.abandon();
  }
  EXPECT_EQ(faults.total_calls(), 0);
  EXPECT_FALSE(fs::exists(missing_root));
}

}  // namespace
}  // namespace fetchpool::engine
