// File: tests/sim/child_process.h
//
// ChildProcess: one long-running helper program (x3ui-sim's v2ray data plane) started with its
// output appended to a log file, and stopped with SIGTERM then SIGKILL. The child dies with the
// thread that started it (PR_SET_PDEATHSIG), so even a SIGKILLed simulator leaves no orphan;
// start it from a thread that outlives it. RunCaptured runs a short command (v2ctl) and returns
// its output, killed at a deadline.
//
// Both start the program with an empty signal mask: x3ui-sim blocks SIGINT and SIGTERM in every
// thread to wait for them, and a blocked mask survives exec, so a child would otherwise ignore
// the SIGTERM that stops it. Programs are looked up in PATH.
//
// Ownership: a ChildProcess owns its child and stops it on destruction. Thread-safety: none; one
// owner thread. RunCaptured is thread-safe.
#ifndef X3UI_TESTS_SIM_CHILD_PROCESS_H_
#define X3UI_TESTS_SIM_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "pkg/common/status.h"

namespace x3ui::sim {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (looked up in PATH), stdout and stderr appended to `log_path`. Fails if one
  // is already running or fork fails; a program that cannot be executed exits with status 127.
  [[nodiscard]] Status Start(const std::vector<std::string>& argv, const std::string& log_path);
  // SIGTERM, then SIGKILL after `grace`; reaps it. A no-op when nothing runs.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(2));
  // Whether the child still runs (reaps it, and remembers how it ended, once it has exited).
  bool Running();
  pid_t pid() const { return pid_; }
  // How the last child ended, e.g. "exit status 23" or "signal 9"; "" while running or never run.
  const std::string& ended() const { return ended_; }

 private:
  void Reaped(int wait_status);

  pid_t pid_ = -1;
  std::string ended_;
};

// Runs argv (PATH lookup) with stdout and stderr captured together (at most 1 MiB kept). An exit
// status other than 0 is Unavailable with the output; a run past `timeout` is killed and is
// DeadlineExceeded.
Result<std::string> RunCaptured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_CHILD_PROCESS_H_
