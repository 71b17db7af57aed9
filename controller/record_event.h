// File: controller/record_event.h
//
// RecordEvent: records an Event on `regarding` when a recorder is given. An Event is
// best-effort: one that cannot be recorded is logged at warn and the reconcile goes on.
//
// Thread-safety: as safe as the recorder (EventRecorder is).
#ifndef X3UI_CONTROLLER_RECORD_EVENT_H_
#define X3UI_CONTROLLER_RECORD_EVENT_H_

#include <string>

#include "pkg/kube/events.h"

namespace x3ui::controller {

void RecordEvent(kube::EventRecorder* recorder, const kube::Json& regarding, const char* type,
                 const std::string& reason, const char* action, const std::string& note);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_RECORD_EVENT_H_
