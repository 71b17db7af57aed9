#include "pkg/x3ui/credentials.h"

#include "pkg/common/base64.h"
#include "pkg/common/text.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::panel {
namespace {

std::string SecretName(const nlohmann::json& s) {
  const auto& m = s.value("metadata", nlohmann::json::object());
  return "Secret " + m.value("namespace", std::string("?")) + "/" + m.value("name", std::string("?"));
}

// The value of `key`, from data (base64) or stringData; nullopt when absent or undecodable.
Result<std::optional<std::string>> Value(const nlohmann::json& s, const std::string& key) {
  auto data = s.find("data");
  if (data != s.end() && data->is_object() && data->contains(key) && (*data)[key].is_string()) {
    auto v = Base64Decode((*data)[key].get<std::string>());
    if (!v) return Status::InvalidArgument(SecretName(s) + ": data." + key + " is not base64");
    return std::optional<std::string>(*v);
  }
  auto sd = s.find("stringData");
  if (sd != s.end() && sd->is_object() && sd->contains(key) && (*sd)[key].is_string()) {
    return std::optional<std::string>((*sd)[key].get<std::string>());
  }
  return std::optional<std::string>();
}

}  // namespace

Result<PanelCredentials> CredentialsFromSecret(const nlohmann::json& secret) {
  if (!secret.is_object()) return Status::InvalidArgument("not a Secret");
  PanelCredentials c;
  for (auto [key, out] : {std::pair{"username", &c.username}, std::pair{"password", &c.password},
                          std::pair{"token", &c.api_token}}) {
    Result<std::optional<std::string>> v = Value(secret, key);
    if (!v.ok()) return v.status();
    if (*v) *out = **v;
  }
  // The login body is JSON, which cannot carry bytes that are not UTF-8, and the token goes into
  // a header, where a control character would end it. Refused here, where the Secret is known.
  for (auto [key, value] : {std::pair{"username", &c.username}, std::pair{"password", &c.password}}) {
    if (!IsValidUtf8(*value)) {
      return Status::InvalidArgument(SecretName(secret) + ": key " + key + " is not valid UTF-8 text")
          .WithReason(kReasonCredentialsInvalid);
    }
  }
  for (unsigned char ch : c.api_token) {
    if (ch < 0x21 || ch > 0x7E) {
      return Status::InvalidArgument(SecretName(secret) + ": key token holds bytes other than printable ASCII")
          .WithReason(kReasonCredentialsInvalid);
    }
  }
  if (!c.api_token.empty()) return c;
  if (c.username.empty() || c.password.empty()) {
    return Status::FailedPrecondition(SecretName(secret) + " needs keys username and password, or token")
        .WithReason(kReasonCredentialsMissing);
  }
  return c;
}

Result<std::string> CaBundleFromSecret(const nlohmann::json& secret, const std::string& key) {
  std::string k = key.empty() ? "ca.crt" : key;
  Result<std::optional<std::string>> v = Value(secret, k);
  if (!v.ok()) return v.status();
  if (!*v || (*v)->empty()) {
    return Status::FailedPrecondition(SecretName(secret) + " has no key " + k).WithReason(kReasonCaMissing);
  }
  return **v;
}

}  // namespace x3ui::panel
