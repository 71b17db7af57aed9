#include "controller/record_event.h"

#include <spdlog/spdlog.h>

namespace x3ui::controller {

void RecordEvent(kube::EventRecorder* recorder, const kube::Json& regarding, const char* type,
                 const std::string& reason, const char* action, const std::string& note) {
  if (!recorder) return;
  if (Status s = recorder->Record(regarding, type, reason, action, note); !s.ok()) {
    const kube::Json meta = regarding.value("metadata", kube::Json::object());
    spdlog::warn("recording Event {} on {} {}/{}: {}", reason, regarding.value("kind", "object"),
                 meta.value("namespace", ""), meta.value("name", ""), s.message());
  }
}

}  // namespace x3ui::controller
