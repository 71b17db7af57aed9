#include "pkg/http/probes.h"

namespace x3ui::http {

Response ProbeHandler::Run(const std::vector<Named>& checks, const std::string& only, bool verbose) {
  std::string report;
  bool ok = true, found = only.empty();
  for (const auto& c : checks) {
    if (!only.empty() && c.name != only) continue;
    found = true;
    Status s = c.check();
    ok = ok && s.ok();
    report += s.ok() ? "[+]" + c.name + " ok\n" : "[-]" + c.name + " failed: " + s.message() + "\n";
  }
  if (!found) return {404, "no check named " + only + "\n", "text/plain; charset=utf-8", {}};
  if (ok && !verbose) return {200, "ok", "text/plain; charset=utf-8", {}};
  return {ok ? 200 : 500, report + (ok ? "check passed\n" : "check failed\n"), "text/plain; charset=utf-8", {}};
}

Response ProbeHandler::Handle(const Request& req) const {
  bool verbose = req.query.find("verbose") != std::string::npos;
  if (req.path == "/healthz") return Run(health_, "", verbose);
  if (req.path == "/readyz") return Run(ready_, "", verbose);
  if (req.path.rfind("/readyz/", 0) == 0) return Run(ready_, req.path.substr(8), verbose);
  return {404, "not found\n", "text/plain; charset=utf-8", {}};
}

Result<std::pair<std::string, int>> ParseBindAddress(const std::string& addr) {
  if (addr == "0") return std::make_pair(std::string(), 0);
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("bind address must be [host]:port or 0, got \"" + addr + "\"");
  std::string host = addr.substr(0, colon);
  std::string port = addr.substr(colon + 1);
  if (host.empty()) host = "0.0.0.0";
  try {
    size_t used = 0;
    int p = std::stoi(port, &used);
    if (used != port.size() || p < 1 || p > 65535) throw std::out_of_range(port);
    return std::make_pair(host, p);
  } catch (const std::exception&) {
    return Status::InvalidArgument("bind address has no valid port: \"" + addr + "\"");
  }
}

}  // namespace x3ui::http
