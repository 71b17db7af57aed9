#include "pkg/store/connection_defaults.h"

#include <string>

namespace x3ui::store {
namespace {

void SetUnlessSet(ConnInfo& info, const std::string& key, const std::string& value) { info.emplace(key, value); }

}  // namespace

ConnInfo WithConnectionLimits(ConnInfo info, const ConnectionLimits& limits, const GetEnv& getenv) {
  if (getenv("PGCONNECT_TIMEOUT") == nullptr) {
    SetUnlessSet(info, "connect_timeout", std::to_string(limits.connect_timeout.count()));
  }
  SetUnlessSet(info, "keepalives", "1");
  SetUnlessSet(info, "keepalives_idle", std::to_string(limits.keepalives_idle.count()));
  SetUnlessSet(info, "keepalives_interval", std::to_string(limits.keepalives_interval.count()));
  SetUnlessSet(info, "keepalives_count", std::to_string(limits.keepalives_count));
  // An options keyword in the string replaces PGOPTIONS entirely, so start from PGOPTIONS when
  // the string has none.
  std::string options;
  if (auto it = info.find("options"); it != info.end()) {
    options = it->second;
  } else if (const char* env = getenv("PGOPTIONS")) {
    options = env;
  }
  if (options.find("statement_timeout") == std::string::npos) {
    if (!options.empty()) options += ' ';
    options += "-c statement_timeout=" + std::to_string(limits.statement_timeout.count());
  }
  info["options"] = options;
  return info;
}

}  // namespace x3ui::store
