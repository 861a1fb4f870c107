#include <gtest/gtest.h>

#include "engine/transfer.h"

namespace fetchpool::engine {
namespace {

using P = TransferPhase;

TEST(TransferPhase, AnAttemptGoesFromQueuedThroughItsBodyToTheEnd) {
  EXPECT_TRUE(phase_move_allowed(P::submitted, P::queued));
  EXPECT_TRUE(phase_move_allowed(P::queued, P::connecting));
  EXPECT_TRUE(phase_move_allowed(P::connecting, P::receiving));
  EXPECT_TRUE(phase_move_allowed(P::receiving, P::committing));
  EXPECT_TRUE(phase_move_allowed(P::committing, P::ended));
}

TEST(TransferPhase, AFailedAttemptWaitsThenQueuesAgain) {
  EXPECT_TRUE(phase_move_allowed(P::connecting, P::waiting));
  EXPECT_TRUE(phase_move_allowed(P::receiving, P::waiting));
  EXPECT_TRUE(phase_move_allowed(P::waiting, P::queued));
  EXPECT_FALSE(phase_move_allowed(P::waiting, P::connecting));  // only through the scheduler
}

TEST(TransferPhase, EveryPhaseButEndedCanEnd) {
  for (P from : {P::submitted, P::queued, P::connecting, P::receiving, P::waiting, P::committing})
    EXPECT_TRUE(phase_move_allowed(from, P::ended)) << phase_name(from);
}

TEST(TransferPhase, NothingLeavesEnded) {
  for (int to = 0; to < kTransferPhases; ++to)
    EXPECT_FALSE(phase_move_allowed(P::ended, static_cast<P>(to))) << phase_name(static_cast<P>(to));
}

TEST(TransferPhase, OnlyAReceivedBodyIsCommitted) {
  for (P from : {P::submitted, P::queued, P::connecting, P::waiting})
    EXPECT_FALSE(phase_move_allowed(from, P::committing)) << phase_name(from);
}

TEST(TransferPhase, NoPhaseMovesToItself) {
  for (int phase = 0; phase < kTransferPhases; ++phase)
    EXPECT_FALSE(phase_move_allowed(static_cast<P>(phase), static_cast<P>(phase)));
}

}  // namespace
}  // namespace fetchpool::engine
