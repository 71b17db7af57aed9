#include "pkg/kube/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pkg/api/manifest.h"
#include "pkg/common/base64.h"

namespace x3ui::kube {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Json* Named(const Json& root, const char* list, const std::string& name, const char* inner) {
  auto it = root.find(list);
  if (it == root.end() || !it->is_array()) return nullptr;
  for (const auto& e : *it) {
    if (e.is_object() && e.value("name", "") == name && e.contains(inner) && e[inner].is_object()) return &e[inner];
  }
  return nullptr;
}

// A PEM from `<key>-data` (base64) or from the file `<key>` (relative to `base`).
Result<std::string> Pem(const Json& obj, const std::string& key, const fs::path& base, const std::string& where) {
  std::string data = obj.value(key + "-data", "");
  if (!data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded) return Status::InvalidArgument(where + ": " + key + "-data is not base64");
    return *decoded;
  }
  std::string file = obj.value(key, "");
  if (file.empty()) return std::string();
  fs::path p(file);
  if (p.is_relative()) p = base / p;
  return ReadFile(p.string());
}

}  // namespace

Result<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  Result<std::vector<Json>> docs = api::YamlToJsonDocuments(*text, path);
  if (!docs.ok()) return docs.status();
  if (docs->empty() || !(*docs)[0].is_object()) return Status::InvalidArgument(path + ": not a kubeconfig");
  const Json& root = (*docs)[0];
  std::string ctx_name = context.empty() ? root.value("current-context", "") : context;
  if (ctx_name.empty()) return Status::InvalidArgument(path + ": no current-context; pass a context");
  const Json* ctx = Named(root, "contexts", ctx_name, "context");
  if (ctx == nullptr) return Status::NotFound(path + ": context " + ctx_name + " not found");
  std::string where = path + ": context " + ctx_name;
  const Json* cluster = Named(root, "clusters", ctx->value("cluster", ""), "cluster");
  if (cluster == nullptr) return Status::NotFound(where + ": its cluster is not defined");
  const Json* user = Named(root, "users", ctx->value("user", ""), "user");
  fs::path base = fs::path(path).parent_path();

  RestConfig c;
  c.server = cluster->value("server", "");
  if (c.server.empty()) return Status::InvalidArgument(where + ": the cluster has no server");
  c.insecure_skip_tls_verify = cluster->value("insecure-skip-tls-verify", false);
  Result<std::string> ca = Pem(*cluster, "certificate-authority", base, where);
  if (!ca.ok()) return ca.status();
  c.ca_pem = *ca;
  if (user != nullptr) {
    c.token = user->value("token", "");
    std::string tf = user->value("tokenFile", "");
    if (!tf.empty()) c.token_file = fs::path(tf).is_relative() ? (base / tf).string() : tf;
    Result<std::string> cert = Pem(*user, "client-certificate", base, where);
    if (!cert.ok()) return cert.status();
    Result<std::string> key = Pem(*user, "client-key", base, where);
    if (!key.ok()) return key.status();
    c.client_cert_pem = *cert;
    c.client_key_pem = *key;
  }
  c.namespace_ = ctx->value("namespace", "default");
  return c;
}

Result<RestConfig> InClusterConfig(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || !*host || !*port) {
    return Status::FailedPrecondition(
        "not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset); pass --kubeconfig");
  }
  RestConfig c;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + port;
  c.token_file = root + "/token";
  if (!fs::exists(c.token_file)) return Status::NotFound(c.token_file + ": service-account token missing");
  Result<std::string> ca = ReadFile(root + "/ca.crt");
  if (!ca.ok()) return ca.status();
  c.ca_pem = *ca;
  Result<std::string> ns = ReadFile(root + "/namespace");
  c.namespace_ = ns.ok() ? *ns : "default";
  while (!c.namespace_.empty() && (c.namespace_.back() == '\n' || c.namespace_.back() == ' ')) c.namespace_.pop_back();
  return c;
}

}  // namespace x3ui::kube
