#include "progress/live_view.h"

#include <gtest/gtest.h>

#include <tuple>

#include "progress/format.h"
#include "progress/text_width.h"

namespace fetchpool::progress {
namespace {

TransferProgress transfer(std::string path, std::int64_t bytes, std::int64_t total, double rate,
                          double elapsed) {
  TransferProgress t;
  t.id = 1;
  t.path = std::move(path);
  t.phase = Phase::receiving;
  t.bytes = bytes;
  t.total = total;
  t.rate = rate;
  t.elapsed_s = elapsed;
  t.attempt = 1;
  t.max_attempts = 6;
  return t;
}

constexpr std::int64_t kMiB = 1024 * 1024;

// The summary's units (KiB, MiB, GiB), so that the live display and the summary agree.
TEST(CompactFormat, SizesRatesAndClocks) {
  EXPECT_EQ(format_size_compact(0), "0B");
  EXPECT_EQ(format_size_compact(999), "999B");
  EXPECT_EQ(format_size_compact(16 * 1024), "16.0KiB");
  EXPECT_EQ(format_size_compact(450 * kMiB), "450MiB");
  EXPECT_EQ(format_size_compact(1024 * kMiB), "1.0GiB");
  EXPECT_EQ(format_size_compact(1023 * kMiB), "1.0GiB");
  EXPECT_EQ(format_rate_compact(36.5 * kMiB), "36.5MiB/s");
  EXPECT_EQ(format_rate_compact(980 * 1024), "980KiB/s");
  EXPECT_EQ(format_rate_compact(12), "12B/s");
  EXPECT_EQ(format_clock(12), "00:12");
  EXPECT_EQ(format_clock(3723), "1:02:03");
  EXPECT_EQ(format_clock(-1), "--:--");
}

TEST(TextWidth, WideCharactersAndEmojiTakeTwoColumns) {
  EXPECT_EQ(display_width("abc"), 3);
  EXPECT_EQ(display_width("中文"), 4);
  EXPECT_EQ(display_width("😀"), 2);
  EXPECT_EQ(display_width("e\xCC\x81"), 1);  // e + combining acute
}

// The widths terminals draw (glibc's wcwidth, as tmux uses it): the hand-written table this
// replaced counted U+2705 and U+26A1 as one column, and such a name wrapped the display.
TEST(TextWidth, EmojiPresentationCharactersTakeTwoColumns) {
  EXPECT_EQ(display_width("\u2705"), 2);  // ✅ WHITE HEAVY CHECK MARK
  EXPECT_EQ(display_width("\u26A1"), 2);  // ⚡ HIGH VOLTAGE SIGN
  EXPECT_EQ(display_width("\u2705\u26A1-build.tar"), 14);
  EXPECT_EQ(display_width("\u2B50"), 2);                // ⭐
  EXPECT_EQ(display_width("\u231A"), 2);                // ⌚
  EXPECT_EQ(display_width("\u3000"), 2);                // ideographic space
  EXPECT_EQ(display_width("\u2600"), 1);                // ☀ text presentation by default...
  EXPECT_EQ(display_width("\u2764\uFE0F"), 2);          // ...❤️: VS16 asks for the emoji form
  EXPECT_EQ(display_width("\U0001F44D\U0001F3FD"), 4);  // 👍🏽: base and modifier, as tmux draws them
}

TEST(TextWidth, ControlsAndInvalidBytes) {
  EXPECT_EQ(display_width("a\tb\x07"), 2);
  EXPECT_EQ(display_width("a\xFF\xFE"
                          "b"),
            4);                             // invalid bytes: one column each
  EXPECT_EQ(display_width("\xE4\xB8"), 2);  // a cut-off 中
  EXPECT_EQ(display_width("\u200B"), 0);    // zero width space
}

TEST(TextWidth, ElidingKeepsEmojiAndAccentsWhole) {
  std::string name = "\u2705\u26A1-release-candidate-build-\u26A1\u2705.tar";
  std::string cut = elide_middle(name, 20, true);
  EXPECT_LE(display_width(cut), 20) << cut;
  EXPECT_EQ(cut, "\u2705\u26A1-relea…-\u26A1\u2705.tar");
  // "é" as e + U+0301 stays together at the cut.
  EXPECT_EQ(elide_middle("abcde\u0301fghij", 6, true), "abc…ij");
  EXPECT_EQ(elide_middle("abcde\u0301fghij", 7, true), "abc…hij");
  EXPECT_EQ(elide_middle("abcde\u0301fghijk", 10, true), "abcde\u0301…hijk");
}

TEST(TextWidth, ElidesTheMiddleWithoutSplittingCharacters) {
  EXPECT_EQ(elide_middle("short.bin", 20, true), "short.bin");
  EXPECT_EQ(elide_middle("very-long-name-of-a-file-2024.tar.gz", 20, true), "very-long-…24.tar.gz");
  EXPECT_EQ(elide_middle("very-long-name-of-a-file-2024.tar.gz", 20, false), "very-long...4.tar.gz");
  std::string chinese = elide_middle("中文中文中文中文中文.bin", 11, true);
  EXPECT_LE(display_width(chinese), 11);
  EXPECT_EQ(chinese, "中文….bin");
}

TEST(TextWidth, TerminalRowsCountWrappedAndSeparateLines) {
  EXPECT_EQ(terminal_rows("", 80), 1);
  EXPECT_EQ(terminal_rows(std::string(80, 'a'), 80), 1);
  EXPECT_EQ(terminal_rows(std::string(81, 'a'), 80), 2);
  EXPECT_EQ(terminal_rows("a\nb", 80), 2);
  EXPECT_EQ(terminal_rows(std::string(40, 'a') + "\u4E2D", 41), 2);  // 中 takes two columns
}

TEST(Bar, EighthBlocksOrHashes) {
  EXPECT_EQ(render_bar(0.45, 10, true), "████▌     ");
  EXPECT_EQ(render_bar(0.45, 10, false), "####      ");
  EXPECT_EQ(render_bar(1.0, 4, true), "████");
  EXPECT_EQ(render_bar(0.0, 3, true), "   ");
}

TEST(TransferLine, TqdmShapeAt80Columns) {
  auto line =
      render_transfer_line(transfer("out/name.bin", 450 * kMiB, 1024 * kMiB, 36.5 * kMiB, 12.4), 80, true);
  EXPECT_EQ(line, "name.bin   43%|██████████▉              | 450MiB/1.0GiB [00:12<00:15, 36.5MiB/s]");
  EXPECT_LE(display_width(line), 80) << line;
}

TEST(TransferLine, SplitFileShowsItsConnections) {
  auto t = transfer("out/big.iso", 450 * kMiB, 1024 * kMiB, 160 * kMiB, 3);
  t.connections = 8;
  EXPECT_EQ(render_transfer_line(t, 80, true),
            "big.iso   43%|████████▎          | 450MiB/1.0GiB [00:03<00:03, 160MiB/s, 8 conn]");
  t.connections = 1;
  EXPECT_EQ(render_transfer_line(t, 80, true).find("conn"), std::string::npos);
}

TEST(TransferLine, LabelNamesTheLineWhenGiven) {
  auto t = transfer("out/blobs/sha256/24376b8a2dea49d1bf141722c70114569ea007bd61113e3034313d4ee9c0eb1c", kMiB,
                    4 * kMiB, kMiB, 1);
  t.label = "24376b8a2dea";
  EXPECT_EQ(render_transfer_line(t, 80, true).rfind("24376b8a2dea  ", 0), 0u)
      << render_transfer_line(t, 80, true);
}

TEST(TransferLine, FitsEveryWidth) {
  auto t = transfer("out/a-rather-long-file-name-for-the-display-中文.iso", 450 * kMiB, 1024 * kMiB,
                    36.5 * kMiB, 12);
  for (int width : {40, 80, 200}) {
    for (bool utf8 : {true, false}) {
      std::string line = render_transfer_line(t, width, utf8);
      EXPECT_LE(display_width(line), width) << width << ": " << line;
      EXPECT_NE(line.find("450MiB/1.0GiB"), std::string::npos) << width << ": " << line;
      EXPECT_NE(line.find("43%"), std::string::npos) << width << ": " << line;
      EXPECT_NE(line.find("36.5MiB/s"), std::string::npos) << width << ": " << line;
    }
  }
  EXPECT_EQ(render_transfer_line(t, 40, true), "a-rat….iso   43% 450MiB/1.0GiB 36.5MiB/s");
}

TEST(TransferLine, AsciiFallbackHasNoMultibyteCharacters) {
  auto line = render_transfer_line(transfer("out/x.bin", 5 * kMiB, 10 * kMiB, kMiB, 5), 80, false);
  for (char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line;
  for (char c : line) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << line;
  EXPECT_NE(line.find("50%|#"), std::string::npos) << line;
}

TEST(TransferLine, UnknownSizeShowsBytesElapsedAndRate) {
  auto line = render_transfer_line(transfer("out/stream", 3 * kMiB, -1, 512 * 1024, 65), 80, true);
  EXPECT_EQ(line, "stream  3.0MiB [01:05, 512KiB/s]");
}

TEST(TransferLine, StalledAndRetrying) {
  auto stalled = transfer("out/slow.bin", kMiB, 4 * kMiB, 0, 30);
  stalled.idle_s = 12.3;
  EXPECT_NE(render_transfer_line(stalled, 100, true).find("stalled 12s"), std::string::npos);

  TransferProgress waiting = transfer("out/flaky.bin", kMiB, 4 * kMiB, 0, 30);
  waiting.phase = Phase::waiting;
  waiting.attempt = 2;
  waiting.retry_in_s = 3.2;
  waiting.last_error = "attempt 2: HTTP 503 Service Unavailable";
  EXPECT_EQ(render_transfer_line(waiting, 100, true),
            "flaky.bin  retry 3/6 in 00:03: HTTP 503 Service Unavailable");
}

ProgressSnapshot busy_run(std::int64_t waiting, std::int64_t stalled) {
  ProgressSnapshot snapshot;
  snapshot.totals.running = 16;
  snapshot.totals.queued = 70;
  snapshot.totals.waiting = waiting;
  snapshot.totals.stalled = stalled;
  snapshot.totals.bytes = 1200 * kMiB;
  snapshot.totals.rate = 36.5 * kMiB;
  snapshot.totals.elapsed_s = 12;
  return snapshot;
}

ViewContext files(int width, std::int64_t failed) {
  ViewContext context;
  context.width = width;
  context.files_total = 100;
  context.files_done = 12;
  context.files_failed = failed;
  return context;
}

TEST(TotalLine, WideEnoughShowsEveryField) {
  EXPECT_EQ(
      render_total_line(busy_run(1, 0), files(120, 2)),
      "12/100 files  1.2GiB  36.5MiB/s  [00:12<01:28]  active 16 queued 70 retrying 1 stalled 0 failed 2");
}

// A 72-80 column terminal (the line gets one column less): zero counts go first, then
// queued and active, then the bytes; files, rate and the clocks are never cut.
TEST(TotalLine, NarrowDropsFieldsInsteadOfCuttingTheMiddle) {
  for (int width = 71; width <= 79; ++width) {
    for (auto [waiting, stalled, failed] : {std::tuple{0, 0, 0}, {1, 0, 2}, {3, 4, 5}, {0, 1, 0}}) {
      std::string line = render_total_line(busy_run(waiting, stalled), files(width, failed));
      EXPECT_LE(display_width(line), width) << line;
      EXPECT_EQ(line.find("…"), std::string::npos) << width << ": " << line;
      EXPECT_EQ(line.rfind("12/100 files  ", 0), 0u) << line;
      EXPECT_NE(line.find("36.5MiB/s  [00:12<01:28]"), std::string::npos) << line;
      if (stalled > 0) {
        EXPECT_NE(line.find("stalled " + std::to_string(stalled)), std::string::npos) << line;
      }
      if (waiting > 0) {
        EXPECT_NE(line.find("retrying " + std::to_string(waiting)), std::string::npos) << line;
      }
      if (failed > 0) {
        EXPECT_NE(line.find("failed " + std::to_string(failed)), std::string::npos) << line;
      }
    }
  }
  EXPECT_EQ(render_total_line(busy_run(1, 0), files(79, 2)),
            "12/100 files  1.2GiB  36.5MiB/s  [00:12<01:28]  active 16 retrying 1 failed 2");
  EXPECT_EQ(render_total_line(busy_run(1, 0), files(71, 2)),
            "12/100 files  1.2GiB  36.5MiB/s  [00:12<01:28]  retrying 1 failed 2");
  EXPECT_EQ(render_total_line(busy_run(0, 0), files(71, 0)),
            "12/100 files  1.2GiB  36.5MiB/s  [00:12<01:28]  active 16 queued 70");
  EXPECT_EQ(render_total_line(busy_run(3, 4), files(79, 5)),
            "12/100 files  1.2GiB  36.5MiB/s  [00:12<01:28]  retrying 3 stalled 4 failed 5");
  EXPECT_EQ(render_total_line(busy_run(3, 4), files(71, 5)),
            "12/100 files  36.5MiB/s  [00:12<01:28]  retrying 3 stalled 4 failed 5");
  EXPECT_EQ(render_total_line(busy_run(3, 4), files(60, 5)),
            "12/100 files  36.5MiB/s  [00:12<01:28]  stalled 4 failed 5");
}

// One ETA for every display of the run: the total line's clock and the JSON totals event
// both come from run_eta_s.
TEST(RunEta, FilesLeftAtThePaceSoFarOrBytesLeftAtTheRate) {
  ProgressTotals totals = busy_run(0, 0).totals;   // 12 s in, 36.5 MiB/s
  ViewContext run = files(80, 0);                  // 12 of 100 files
  EXPECT_DOUBLE_EQ(run_eta_s(totals, run), 88.0);  // 88 files at 1 file/s
  run.files_total = -1;
  EXPECT_EQ(run_eta_s(totals, run), -1) << "unknown while the list is still read";
  run.files_total = 100;
  run.files_done = 0;
  EXPECT_EQ(run_eta_s(totals, run), -1) << "no pace before a file ends";
  run.files_done = 100;
  EXPECT_EQ(run_eta_s(totals, run), 0) << "done is 0, not unknown";
  EXPECT_NE(render_total_line(busy_run(0, 0), run).find("[00:12<00:00]"), std::string::npos);

  // A pull knows its bytes up front: what is left at the current rate.
  run.files_done = 3;
  run.files_total = 8;
  run.bytes_total = totals.bytes + 73 * kMiB;
  EXPECT_DOUBLE_EQ(run_eta_s(totals, run), 2.0);
  totals.rate = 0;
  EXPECT_EQ(run_eta_s(totals, run), -1) << "no rate, no estimate";
  totals.bytes = run.bytes_total;
  EXPECT_EQ(run_eta_s(totals, run), 0);
}

TEST(TotalLine, CutOnlyBelowWhatMustStay) {
  std::string line = render_total_line(busy_run(3, 4), files(30, 5));
  EXPECT_LE(display_width(line), 30) << line;
  EXPECT_EQ(line.rfind("12/100 files  ", 0), 0u) << line;
}

TEST(LiveArea, FoldsWhatDoesNotFitIntoMore) {
  ProgressSnapshot snapshot;
  snapshot.totals.running = 64;
  snapshot.totals.queued = 9000;
  snapshot.totals.bytes = 1200 * kMiB;
  snapshot.totals.rate = 36.5 * kMiB;
  snapshot.totals.elapsed_s = 62;
  for (int i = 0; i < 64; ++i) snapshot.transfers.push_back(transfer("f" + std::to_string(i), 1, 2, 1, 1));
  ViewContext context;
  context.width = 110;
  context.height = 20;
  context.files_total = 10000;
  context.files_done = 936;
  context.files_failed = 2;
  auto lines = render_live_area(snapshot, context);
  ASSERT_EQ(lines.size(), 18u);  // total + 16 transfers + "+48 more": two rows stay free
  EXPECT_EQ(lines.front(),
            "936/10000 files  1.2GiB  36.5MiB/s  [01:02<10:00]  active 64 queued 9000 retrying 0 stalled 0 "
            "failed 2");
  EXPECT_EQ(lines.back(), "+48 more");
}

}  // namespace
}  // namespace fetchpool::progress
