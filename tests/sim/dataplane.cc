#include "tests/sim/dataplane.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "tests/sim/dataplane_stats.h"
#include "tests/support/wait.h"

namespace x3ui::sim {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kCommandTimeout = std::chrono::seconds(5);

// Whether something accepts TCP connections on 127.0.0.1:port.
bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The ports v2ray listens on with this config: the API's and every served inbound's.
std::vector<int> ListeningPorts(const Json& config) {
  std::vector<int> out;
  for (const auto& in : config["inbounds"]) out.push_back(in.value("port", 0));
  return out;
}

Result<std::string> MakeWorkDir(const std::string& panel_name) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("x3ui-sim-" + panel_name + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) return Status::Unavailable("cannot create a directory in " + pattern);
  return pattern;
}

// A self-signed certificate for 127.0.0.1 and localhost from v2ctl (files PREFIX_cert.pem and
// PREFIX_key.pem), for TLS inbounds whose settings carry none: clients skip verification.
Result<FallbackCertificate> MakeCertificate(const std::string& dir) {
  std::string prefix = dir + "/self-signed";
  Result<std::string> out =
      RunCaptured({"v2ctl", "cert", "--domain=localhost", "--domain=127.0.0.1", "--expire=240h", "--file=" + prefix},
                  kCommandTimeout);
  if (!out.ok()) return Status::Unavailable("v2ctl cert: " + out.status().message());
  FallbackCertificate c{prefix + "_cert.pem", prefix + "_key.pem"};
  if (!std::filesystem::exists(c.certificate_file) || !std::filesystem::exists(c.key_file)) {
    return Status::Unavailable("v2ctl cert wrote no " + c.certificate_file);
  }
  return c;
}

// A free loopback port for the stats API that no inbound of the panel will take (those may not
// listen yet).
int FreeApiPort(const std::vector<SimInbound>& inbounds) {
  while (true) {
    int port = testing::FreePort();
    if (std::none_of(inbounds.begin(), inbounds.end(), [&](const SimInbound& in) { return in.port == port; })) return port;
  }
}

// The last lines of v2ray's log, for the line that says why it stopped.
std::string LogTail(const std::string& path, size_t max_bytes = 600) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Dataplane::Dataplane(SimPanel* panel, Options options)
    : panel_(panel), options_(options), name_(panel->config().name),
      state_({{"running", false}, {"ready", false}, {"pid", 0}, {"starts", 0}, {"served", Json::array()},
              {"skipped", Json::array()}, {"api_port", 0}, {"dir", ""}, {"ended", ""}, {"last_error", ""}}) {}

Dataplane::~Dataplane() { Stop(); }

Status Dataplane::Start() {
  Result<std::string> dir = MakeWorkDir(name_);
  if (!dir.ok()) return dir.status();
  work_dir_ = *dir;
  Result<FallbackCertificate> cert = MakeCertificate(work_dir_);
  if (!cert.ok()) {
    std::filesystem::remove_all(work_dir_);
    return Status::Unavailable("panel " + name_ + ": data plane: " + cert.status().message());
  }
  certificate_ = *cert;
  api_port_ = FreeApiPort(panel_->Inbounds());
  {
    std::lock_guard<std::mutex> l(mu_);
    state_["api_port"] = api_port_;
    state_["dir"] = work_dir_;
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Dataplane::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!work_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
    work_dir_.clear();
  }
}

Json Dataplane::Describe() const {
  std::lock_guard<std::mutex> l(mu_);
  return state_;
}

void Dataplane::RestartV2ray() {
  {
    std::lock_guard<std::mutex> l(mu_);
    restart_asked_ = true;
  }
  wake_.notify_all();
}

void Dataplane::CollectNow(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  if (stopping_) return;
  const uint64_t mine = ++collect_requested_;
  wake_.notify_all();
  wake_.wait_for(l, timeout, [&] { return stopping_ || collect_served_ >= mine; });
}

void Dataplane::Run() {
  Clock::time_point next_poll = Clock::now() + options_.traffic_poll;
  while (true) {
    uint64_t requested = 0;
    bool asked = false;  // a CollectNow waits
    {
      std::unique_lock<std::mutex> l(mu_);
      wake_.wait_for(l, options_.config_check,
                     [this] { return stopping_ || restart_asked_ || collect_requested_ > collect_served_; });
      if (stopping_) break;
      requested = collect_requested_;
      asked = requested > collect_served_;
      if (restart_asked_) running_config_.clear();  // ApplyInbounds then starts it afresh
      restart_asked_ = false;
    }
    // The thread's exception boundary: a panel state it cannot render is an error line, and the
    // data plane carries on.
    try {
      NoticeExit();
      ApplyInbounds();
      if (asked || Clock::now() >= next_poll) {
        CollectTraffic();
        next_poll = Clock::now() + options_.traffic_poll;
      }
    } catch (const std::exception& e) {
      SetError(std::string("unexpected: ") + e.what());
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (asked) collect_served_ = requested;
    }
    wake_.notify_all();
  }
  try {
    CollectTraffic();  // the bytes since the last poll
  } catch (const std::exception& e) {
    SetError(std::string("unexpected: ") + e.what());
  }
  v2ray_.Stop();
  NoticeExit();
  wake_.notify_all();
}

void Dataplane::ApplyInbounds() {
  RenderedServerConfig rendered = RenderServerConfig(panel_->Inbounds(), api_port_, certificate_);
  std::string dump = rendered.config.dump(2);
  if (dump == running_config_) return;
  if (v2ray_.Running()) CollectTraffic();  // what the old process counted, before it goes
  v2ray_.Stop();
  running_config_ = dump;
  StartV2ray(rendered);
}

void Dataplane::StartV2ray(const RenderedServerConfig& rendered) {
  for (const auto& s : rendered.skipped) spdlog::warn("x3ui-sim: panel {}: data plane skips inbound {}", name_, s);
  const std::string config_path = work_dir_ + "/config.json", log_path = work_dir_ + "/v2ray.log";
  std::ofstream(config_path) << running_config_;
  Status started = v2ray_.Start({"v2ray", "-config", config_path}, log_path);
  if (!started.ok()) return SetError("v2ray: " + started.message());
  {
    std::lock_guard<std::mutex> l(mu_);
    state_["running"] = true;
    state_["ready"] = false;
    state_["pid"] = v2ray_.pid();
    state_["starts"] = state_["starts"].get<int>() + 1;
    state_["served"] = rendered.served;
    state_["skipped"] = rendered.skipped;
  }
  const pid_t pid = v2ray_.pid();
  std::vector<int> ports = ListeningPorts(rendered.config);
  bool ready = testing::Eventually(
      [&] { return !v2ray_.Running() || std::all_of(ports.begin(), ports.end(), Accepts); }, options_.ready_timeout);
  if (!ready || !v2ray_.Running()) {
    return SetError("v2ray (pid " + std::to_string(pid) + ") does not listen on every port; its log ends: " +
                    LogTail(log_path));
  }
  std::lock_guard<std::mutex> l(mu_);
  state_["ready"] = true;
  spdlog::info("x3ui-sim: panel {}: data plane v2ray (pid {}) serves {}", name_, v2ray_.pid(),
               rendered.served.empty() ? "no inbound" : Joined(rendered.served));
}

void Dataplane::CollectTraffic() {
  if (!v2ray_.Running()) return;
  Result<std::string> out = RunCaptured({"v2ctl", "api", "--server=127.0.0.1:" + std::to_string(api_port_),
                                         "StatsService.QueryStats", "pattern: \"user>>>\" reset: true"},
                                        kCommandTimeout);
  if (!out.ok()) return SetError("v2ctl api StatsService.QueryStats: " + out.status().message());
  for (const auto& [email, bytes] : ParseUserTraffic(*out)) panel_->AddTraffic(email, bytes.up, bytes.down);
}

// Logs an error once (until a different one), and keeps it for Describe.
void Dataplane::SetError(const std::string& error) {
  std::lock_guard<std::mutex> l(mu_);
  if (state_["last_error"] != error) spdlog::error("x3ui-sim: panel {}: data plane: {}", name_, error);
  state_["last_error"] = error;
}

// Records that v2ray has ended (stopped by us or on its own), with how.
void Dataplane::NoticeExit() {
  if (v2ray_.Running()) return;
  std::lock_guard<std::mutex> l(mu_);
  if (!state_["running"].get<bool>()) return;
  state_["running"] = false;
  state_["ready"] = false;
  state_["pid"] = 0;
  state_["ended"] = v2ray_.ended();
  if (!stopping_) spdlog::error("x3ui-sim: panel {}: data plane v2ray ended ({})", name_, v2ray_.ended());
}

}  // namespace x3ui::sim
