// File: pkg/x3ui/fenced_transport.h
//
// Panel transports that send nothing while a Fence is shut: a replica whose leadership is in
// doubt (its renew deadline passed, or it was paused past it) must not touch a panel, because a
// successor may already be changing the same inbounds. Every request is refused, reads and
// logins included, with FailedPrecondition "not the leader", before any byte leaves the process.
// A request already on the wire when the fence shuts is canceled at that moment (its
// `not_after`), which closes its connection, so no byte of it is sent after the deadline.
//
// Thread-safety: Send may be called concurrently (the fence is atomic).
#ifndef X3UI_PKG_X3UI_FENCED_TRANSPORT_H_
#define X3UI_PKG_X3UI_FENCED_TRANSPORT_H_

#include <functional>
#include <memory>

#include "pkg/common/fence.h"
#include "pkg/x3ui/http_transport.h"

namespace x3ui::panel {

using TransportMaker = std::function<Result<std::unique_ptr<HttpTransport>>(const TransportOptions&)>;

// Wraps what `inner` makes so that each Send first checks `fence` (borrowed; it must outlive
// every transport made).
TransportMaker FencedTransports(TransportMaker inner, const Fence* fence);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_FENCED_TRANSPORT_H_
