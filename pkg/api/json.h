// File: pkg/api/json.h
//
// JSON encoding and decoding of the custom resources, as the kube-apiserver serves them.
//
// Decoding checks JSON types only (range and pattern rules live in validation.h) and reports every
// mismatch with its field path, e.g. "spec.capacity.maxUsers: must be an integer". JSON null is
// treated as absent. Fields this version does not know are kept in each struct's `unknown` member
// and written back by the encoder, so read-modify-write never drops them.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_API_JSON_H_
#define X3UI_PKG_API_JSON_H_

#include "pkg/api/types.h"
#include "pkg/common/status.h"

namespace x3ui::api {

// Each returns the decoded object, or InvalidArgument whose field_errors() name every bad field.
Result<VpnNode> DecodeVpnNode(const Json& j);
Result<VpnAssignment> DecodeVpnAssignment(const Json& j);
Result<VpnMigration> DecodeVpnMigration(const Json& j);
Result<ObjectMeta> DecodeObjectMeta(const Json& j);
Result<Condition> DecodeCondition(const Json& j);
Result<InboundEndpoint> DecodeInboundEndpoint(const Json& j);
// status.nodeName of a VpnAssignment object without decoding it all; empty when not placed.
std::string AssignedNode(const Json& assignment);

// Each returns the full object, with apiVersion and kind set.
Json Encode(const VpnNode& o);
Json Encode(const VpnAssignment& o);
Json Encode(const VpnMigration& o);
Json Encode(const ObjectMeta& m);
Json Encode(const Condition& c);

// The status alone ({"status": ...} is what a /status write carries besides metadata).
Json EncodeStatus(const VpnNodeStatus& s);
Json EncodeStatus(const VpnAssignmentStatus& s);
Json EncodeStatus(const VpnMigrationStatus& s);

}  // namespace x3ui::api

#endif  // X3UI_PKG_API_JSON_H_
