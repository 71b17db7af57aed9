// File: pkg/kube/events.h
//
// EventRecorder: Kubernetes Events about the operator's objects, written to events.k8s.io/v1
// as controller-runtime now does, falling back to core/v1 for good when the former is not served.
// Event notes must never carry credentials; callers pass human text only.
//
// Thread-safety: Record may be called concurrently.
#ifndef X3UI_PKG_KUBE_EVENTS_H_
#define X3UI_PKG_KUBE_EVENTS_H_

#include <atomic>
#include <string>

#include "pkg/common/clock.h"
#include "pkg/kube/client.h"

namespace x3ui::kube {

class EventRecorder {
 public:
  // `client` and `clock` are borrowed. `controller` is the reporting controller
  // (e.g. "x3ui.io/operator"), `instance` this process (e.g. the pod name).
  EventRecorder(KubeClient* client, std::string controller, std::string instance, const Clock* clock)
      : client_(client), controller_(std::move(controller)), instance_(std::move(instance)), clock_(clock) {}

  // Records an event about `regarding` (a full object: apiVersion, kind, metadata). `type` is
  // Normal or Warning, `reason` a CamelCase token, `action` what was done (e.g. "Place"), `note`
  // a sentence for people (cleaned and cut to 1 KiB on a character boundary, CleanForeignText).
  Status Record(const Json& regarding, const std::string& type, const std::string& reason, const std::string& action,
                const std::string& note);

  bool using_core_events() const { return use_core_.load(); }

 private:
  KubeClient* client_;
  const std::string controller_;
  const std::string instance_;
  const Clock* clock_;
  std::atomic<bool> use_core_{false};
};

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_EVENTS_H_
