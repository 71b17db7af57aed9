// File: pkg/http/probes.h
//
// ProbeHandler: /healthz and /readyz as controller-runtime serves them. Named checks are run on
// each request; the endpoint answers 200 "ok" when all pass, 500 otherwise, and with ?verbose
// (or on failure) lists each check as "[+]name ok" / "[-]name failed: reason". /readyz/<name>
// runs one check. Example readiness checks: leader election state, informers synced, the ledger
// reachable.
//
// Thread-safety: AddCheck before serving; Handle may be called concurrently.
#ifndef X3UI_PKG_HTTP_PROBES_H_
#define X3UI_PKG_HTTP_PROBES_H_

#include <functional>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/http/http_server.h"

namespace x3ui::http {

class ProbeHandler {
 public:
  using Check = std::function<Status()>;

  void AddHealthCheck(std::string name, Check check) { health_.push_back({std::move(name), std::move(check)}); }
  void AddReadyCheck(std::string name, Check check) { ready_.push_back({std::move(name), std::move(check)}); }

  // Serves /healthz, /readyz and /readyz/<name>; 404 for anything else.
  Response Handle(const Request& req) const;

 private:
  struct Named {
    std::string name;
    Check check;
  };
  static Response Run(const std::vector<Named>& checks, const std::string& only, bool verbose);

  std::vector<Named> health_;
  std::vector<Named> ready_;
};

// Parses a controller-runtime bind address: ":8080" (every interface), "127.0.0.1:8080", or "0"
// (disabled: returns port 0). InvalidArgument otherwise.
Result<std::pair<std::string, int>> ParseBindAddress(const std::string& addr);

}  // namespace x3ui::http

#endif  // X3UI_PKG_HTTP_PROBES_H_
