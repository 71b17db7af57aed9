// File: pkg/api/validation.h
//
// Validation of the custom resources. Each function returns every problem it finds as
// {field path, message}, e.g. {"spec.capacity.maxUsers", "must be at least 1"}; an empty list
// means valid. The same rules are in the CRDs' OpenAPI schemas where a schema can express them
// (the pattern constants below are copied verbatim into crds/*.yaml, and a test keeps the two
// equal); the rest (uniqueness, cross-field rules, label-key syntax) exist only here, and the
// reconcilers report them as a Ready=False condition.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_API_VALIDATION_H_
#define X3UI_PKG_API_VALIDATION_H_

#include "pkg/api/types.h"
#include "pkg/common/status.h"

namespace x3ui::api {

// Patterns shared with the CRD schemas (ECMA-262 syntax, valid for std::regex and OpenAPI).
inline constexpr char kDnsSubdomainPattern[] =
    R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
inline constexpr char kDnsLabelPattern[] = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)";
// Emails travel in panel URL paths, so '/', whitespace and control characters are refused.
inline constexpr char kEmailPattern[] = R"(^[A-Za-z0-9._@+-]+$)";
inline constexpr char kUserIdPattern[] = R"(^[A-Za-z0-9._@:+-]+$)";
// No user-info part: panel credentials come from a Secret, never from the URL.
inline constexpr char kPanelUrlPattern[] = R"(^https?://[^\s/?#@]+(/[^\s?#]*)?$)";
inline constexpr char kHostPattern[] =
    R"(^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$)";
inline constexpr char kLabelValuePattern[] = R"(^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$)";
inline constexpr char kInboundTagPattern[] = R"(^[^\s/]+$)";

// Ranges shared with the CRD schemas.
inline constexpr int64_t kMaxUsersLimit = 1000000;
inline constexpr int64_t kMaxPriority = 1000;
inline constexpr int64_t kMaxWeight = 1000;
inline constexpr int64_t kMaxInbounds = 32;
inline constexpr size_t kMaxEmailLength = 128;
inline constexpr size_t kMaxUrlLength = 2048;
// Bounds of a VpnNode's status.inbounds entries, whose text comes from the panel: an entry beyond
// them is not published (a status the API server refuses would stop the node's status).
inline constexpr size_t kMaxEndpointTextLength = 256;    // remark, address, method, protocol
inline constexpr size_t kMaxEndpointParamLength = 4096;  // each params value (pqv is ~2.6 KB)
inline constexpr size_t kMaxEndpointParams = 32;

FieldErrors ValidateVpnNode(const VpnNode& n);
FieldErrors ValidateVpnAssignment(const VpnAssignment& a);
FieldErrors ValidateVpnMigration(const VpnMigration& m);
// True when `e` is within the CRD schema's bounds of a status.inbounds entry.
bool EndpointFitsStatus(const InboundEndpoint& e);

// Kubernetes label key syntax: an optional DNS-subdomain prefix and '/', then a name of at most
// 63 characters. Exposed for the selector code.
bool IsValidLabelKey(const std::string& key);

}  // namespace x3ui::api

#endif  // X3UI_PKG_API_VALIDATION_H_
