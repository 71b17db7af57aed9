// ChildProcess and RunCaptured with ordinary programs (sleep, sh): start, stop, exit status,
// captured output, the deadline.
#include "tests/sim/child_process.h"

#include <signal.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace x3ui::sim {
namespace {

using namespace std::chrono_literals;

std::string TempLog() {
  return (std::filesystem::temp_directory_path() / ("child-process-test-" + std::to_string(getpid()) + ".log")).string();
}

TEST(ChildProcess, StopsARunningChildWithSigtermEvenWhenTheParentBlocksIt) {
  // x3ui-sim blocks SIGTERM in every thread to sigwait for it; the child must not inherit that.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  ChildProcess p;
  Status started = p.Start({"sleep", "30"}, TempLog());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(started.ok());
  pid_t pid = p.pid();
  EXPECT_TRUE(p.Running());
  EXPECT_FALSE(p.Start({"sleep", "30"}, TempLog()).ok());  // one at a time
  p.Stop();
  EXPECT_FALSE(p.Running());
  EXPECT_EQ(p.ended(), "signal 15");  // not SIGKILL after the grace period
  EXPECT_NE(kill(pid, 0), 0);
  std::filesystem::remove(TempLog());
}

TEST(ChildProcess, RecordsHowItEndedAndAppendsOutputToTheLog) {
  ChildProcess p;
  const std::string log = TempLog();
  ASSERT_TRUE(p.Start({"sh", "-c", "echo to-the-log; exit 3"}, log).ok());
  for (int i = 0; i < 500 && p.Running(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p.ended(), "exit status 3");
  std::ifstream in(log);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "to-the-log");
  std::filesystem::remove(log);
}

TEST(ChildProcess, AProgramNotFoundExitsWith127) {
  ChildProcess p;
  ASSERT_TRUE(p.Start({"no-such-program-x3ui"}, TempLog()).ok());
  for (int i = 0; i < 500 && p.Running(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p.ended(), "exit status 127");
  std::filesystem::remove(TempLog());
}

TEST(RunCaptured, ReturnsOutputOrTheFailure) {
  Result<std::string> ok = RunCaptured({"sh", "-c", "echo out; echo err >&2"}, 5s);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "out\nerr\n");
  Result<std::string> failed = RunCaptured({"sh", "-c", "echo why; exit 2"}, 5s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "sh ended with exit status 2: why\n");
  auto start = std::chrono::steady_clock::now();
  Result<std::string> slow = RunCaptured({"sleep", "30"}, 200ms);
  EXPECT_EQ(slow.status().code(), Status::Code::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace x3ui::sim
