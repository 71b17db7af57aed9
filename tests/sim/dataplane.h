// File: tests/sim/dataplane.h
//
// Dataplane: a simulated panel's real data plane. It runs Debian's v2ray 4.34 with a server
// config rendered from the panel's enabled inbounds and clients (dataplane_config.h), restarts it
// when they change, as the real panel restarts Xray (and never when nothing changed), and adds
// each client's bytes, read from v2ray's stats service with v2ctl (dataplane_stats.h) every
// second and whenever the panel API is asked for traffic (CollectNow), into the panel's traffic
// counters that its API reports.
//
// Its files (config, v2ray's log, a self-signed certificate for TLS inbounds that carry none)
// live in a temporary directory removed by Stop. v2ray and v2ctl are looked up in PATH.
//
// Ownership: owns its thread, its v2ray child (which dies with that thread, see child_process.h)
// and its directory; the panel must outlive it. Thread-safety: Start and Stop from one thread;
// Describe from any.
#ifndef X3UI_TESTS_SIM_DATAPLANE_H_
#define X3UI_TESTS_SIM_DATAPLANE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "pkg/common/status.h"
#include "tests/sim/child_process.h"
#include "tests/sim/dataplane_config.h"
#include "tests/sim/sim_panel.h"

namespace x3ui::sim {

class Dataplane {
 public:
  struct Options {
    std::chrono::milliseconds config_check{250};   // how often the inbounds are compared
    std::chrono::milliseconds traffic_poll{1000};  // how often the stats service is read
    std::chrono::milliseconds ready_timeout{5000};  // for v2ray's ports to listen after a start
  };

  explicit Dataplane(SimPanel* panel) : Dataplane(panel, Options()) {}
  Dataplane(SimPanel* panel, Options options);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // Makes the directory and certificate, then starts the thread that runs v2ray. Unavailable
  // when v2ctl cannot make the certificate (v2ray not installed).
  [[nodiscard]] Status Start();
  // Reads the traffic one last time, stops v2ray, removes the directory. Idempotent.
  void Stop();
  // Restarts v2ray with the same config at the next step (a panel restart restarts Xray).
  void RestartV2ray();
  // Has the stats read now (on the data plane's thread) and waits for that, at most `timeout`, so
  // that a traffic reading of the panel API includes every byte v2ray has counted. Concurrent
  // callers share one reading. Returns at once after Stop.
  void CollectNow(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // {"running","ready","pid","starts","served","skipped","api_port","dir","ended","last_error"};
  // "dir" holds config.json and v2ray.log.
  Json Describe() const;

 private:
  void Run();
  // Renders the config; (re)starts v2ray when it differs from the running one.
  void ApplyInbounds();
  void StartV2ray(const RenderedServerConfig& rendered);
  void CollectTraffic();
  void SetError(const std::string& error);
  void NoticeExit();

  SimPanel* const panel_;
  const Options options_;
  const std::string name_;  // the panel's, for log lines
  std::string work_dir_;
  FallbackCertificate certificate_;
  int api_port_ = 0;

  // Run's thread only.
  ChildProcess v2ray_;
  std::string running_config_;  // the dump v2ray was last started with

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  bool restart_asked_ = false;  // guarded by mu_
  // CollectNow's requests and the last one a reading has served; guarded by mu_.
  uint64_t collect_requested_ = 0, collect_served_ = 0;
  Json state_;             // guarded by mu_: what Describe reports
  std::thread thread_;
};

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_DATAPLANE_H_
