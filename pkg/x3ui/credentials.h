// File: pkg/x3ui/credentials.h
//
// Panel credentials and CA bundles from Kubernetes Secrets (the only place they may come from).
// A Secret as the API server returns it carries base64 `data`; `stringData` is write-only and
// never read back, but is accepted for objects built locally.
//
// Thread-safety: pure functions. Errors name the Secret and the missing key, never a value.
#ifndef X3UI_PKG_X3UI_CREDENTIALS_H_
#define X3UI_PKG_X3UI_CREDENTIALS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "pkg/common/status.h"
#include "pkg/x3ui/panel_client.h"

namespace x3ui::panel {

// username + password, or token (a 3.0+ API token); FailedPrecondition naming what is missing;
// InvalidArgument/CredentialsInvalid for a username or password that is not UTF-8 or a token
// that is not printable ASCII.
Result<PanelCredentials> CredentialsFromSecret(const nlohmann::json& secret);

// The PEM under `key` (ca.crt when empty).
Result<std::string> CaBundleFromSecret(const nlohmann::json& secret, const std::string& key);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_CREDENTIALS_H_
