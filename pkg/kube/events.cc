#include "pkg/kube/events.h"

#include <cstdio>

#include "pkg/common/text.h"
#include "pkg/kube/leader_election.h"

namespace x3ui::kube {

Status EventRecorder::Record(const Json& regarding, const std::string& type, const std::string& reason,
                             const std::string& action, const std::string& note) {
  const Json& meta = regarding.value("metadata", Json::object());
  std::string ns = meta.value("namespace", "default");
  std::string name = meta.value("name", "");
  Json ref = {{"apiVersion", regarding.value("apiVersion", "")},
              {"kind", regarding.value("kind", "")},
              {"name", name},
              {"namespace", ns},
              {"uid", meta.value("uid", "")},
              {"resourceVersion", meta.value("resourceVersion", "")}};
  // The API server refuses a note over 1 KiB; a cut inside a UTF-8 character would make the
  // body unencodable as JSON.
  std::string text = CleanForeignText(note, 1024);
  TimePoint now = clock_->Now();
  // As client-go names events: the object's name and the time in hex nanoseconds.
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%llx",
                static_cast<unsigned long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()));
  Json event_meta = {{"name", name + suffix}, {"namespace", ns}};
  if (!use_core_.load()) {
    Json e = {{"apiVersion", "events.k8s.io/v1"},
              {"kind", "Event"},
              {"metadata", event_meta},
              {"eventTime", FormatMicroTime(now)},
              {"reportingController", controller_},
              {"reportingInstance", instance_},
              {"action", action},
              {"reason", reason},
              {"regarding", ref},
              {"note", text},
              {"type", type}};
    Result<Json> r = client_->Create(kEvents, ns, e);
    if (r.ok()) return Status::Ok();
    if (r.status().code() != Status::Code::kNotFound || r.status().message().find("namespaces") != std::string::npos) {
      return r.status();
    }
    use_core_ = true;  // events.k8s.io/v1 is not served here
  }
  std::string ts = FormatRfc3339(now);
  Json e = {{"apiVersion", "v1"},
            {"kind", "Event"},
            {"metadata", event_meta},
            {"involvedObject", ref},
            {"reason", reason},
            {"message", text},
            {"type", type},
            {"action", action},
            {"firstTimestamp", ts},
            {"lastTimestamp", ts},
            {"count", 1},
            {"source", {{"component", controller_}}},
            {"reportingComponent", controller_},
            {"reportingInstance", instance_}};
  return client_->Create(kCoreEvents, ns, e).status();
}

}  // namespace x3ui::kube
