#include "tests/sim/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace x3ui::sim {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxCapturedBytes = 1 << 20;

// argv as execvp wants it; the strings stay owned by `args`.
std::vector<char*> ExecArgv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the forked child, before exec: only async-signal-safe calls. Dies with the parent thread,
// takes the given fd as stdout and stderr, runs with no signal blocked.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, int output_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the parent died before the prctl took effect
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  execvp(argv[0], argv.data());
  _exit(127);
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "signal " + std::to_string(WTERMSIG(wait_status));
  return "wait status " + std::to_string(wait_status);
}

// Waits for `pid` until `deadline`; true once reaped (its status in *wait_status).
bool ReapBy(pid_t pid, Clock::time_point deadline, int* wait_status) {
  while (true) {
    pid_t r = waitpid(pid, wait_status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Status ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (Running()) return Status::FailedPrecondition(argv.at(0) + " already runs (pid " + std::to_string(pid_) + ")");
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::Unavailable(log_path + ": cannot be opened: " + std::strerror(errno));
  std::vector<char*> exec_argv = ExecArgv(argv);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) ExecChild(exec_argv, log_fd, parent);
  close(log_fd);
  if (pid < 0) return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  pid_ = pid;
  ended_.clear();
  return Status::Ok();
}

void ChildProcess::Reaped(int wait_status) {
  ended_ = DescribeWaitStatus(wait_status);
  pid_ = -1;
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int wait_status = 0;
  pid_t r = waitpid(pid_, &wait_status, WNOHANG);
  if (r == 0) return true;
  Reaped(r == pid_ ? wait_status : 0);
  return false;
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return;
  kill(pid_, SIGTERM);
  int wait_status = 0;
  if (!ReapBy(pid_, Clock::now() + grace, &wait_status)) {
    kill(pid_, SIGKILL);
    ReapBy(pid_, Clock::now() + std::chrono::seconds(5), &wait_status);
  }
  Reaped(wait_status);
}

Result<std::string> RunCaptured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Unavailable(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> exec_argv = ExecArgv(argv);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) ExecChild(exec_argv, fds[1], parent);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  std::string output;
  Clock::time_point deadline = Clock::now() + timeout;
  bool timed_out = false;
  while (true) {
    int left_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, left_ms) <= 0) continue;  // timeout or EINTR: the deadline check decides
    char buf[4096];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed its output
    if (output.size() < kMaxCapturedBytes) output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int wait_status = 0;
  ReapBy(pid, Clock::now() + std::chrono::seconds(5), &wait_status);
  if (timed_out) return Status::DeadlineExceeded(argv[0] + " took longer than " + std::to_string(timeout.count()) + " ms");
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return Status::Unavailable(argv[0] + " ended with " + DescribeWaitStatus(wait_status) + ": " + output);
  }
  return output;
}

}  // namespace x3ui::sim
