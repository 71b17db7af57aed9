#include "pkg/kube/client.h"

namespace x3ui::kube {

Result<std::string> ListPages(KubeClient& client, const Resource& r, const std::string& ns, ListOptions opts,
                              const std::function<void(ObjectList& page)>& on_page) {
  std::string resource_version;
  bool first = true;
  do {
    Result<ObjectList> page = client.List(r, ns, opts);
    if (!page.ok()) return page.status();
    if (first) resource_version = page->resource_version;
    first = false;
    on_page(*page);
    opts.continue_token = page->continue_token;
    opts.resource_version.clear();  // a continue token carries its own
  } while (!opts.continue_token.empty());
  return resource_version;
}

Result<ObjectList> ListAll(KubeClient& client, const Resource& r, const std::string& ns, ListOptions opts) {
  ObjectList all;
  Result<std::string> rv = ListPages(client, r, ns, std::move(opts), [&](ObjectList& page) {
    for (auto& i : page.items) all.items.push_back(std::move(i));
  });
  if (!rv.ok()) return rv.status();
  all.resource_version = *rv;
  return all;
}

Status StatusFromApi(int code, const Json& body, const std::string& what) {
  std::string reason, message;
  if (body.is_object()) {
    reason = body.value("reason", "");
    message = body.value("message", "");
  }
  std::string text = what + ": " + (message.empty() ? "HTTP " + std::to_string(code) : message);
  switch (code) {
    case 400: return Status::InvalidArgument(text).WithReason(reason.empty() ? "BadRequest" : reason);
    case 401: return Status::Unauthenticated(text).WithReason("Unauthorized");
    case 403: return Status::PermissionDenied(text).WithReason("Forbidden");
    case 404: return Status::NotFound(text).WithReason("NotFound");
    case 409:
      if (reason == "AlreadyExists") return Status::AlreadyExists(text).WithReason(reason);
      return Status::Conflict(text).WithReason(reason.empty() ? "Conflict" : reason);
    case 410: return Status::FailedPrecondition(text).WithReason(reason.empty() ? "Expired" : reason);
    case 415: return Status::InvalidArgument(text).WithReason("UnsupportedMediaType");
    case 422: {
      FieldErrors causes;
      if (body.is_object() && body.contains("details") && body["details"].is_object()) {
        for (const auto& c : body["details"].value("causes", Json::array())) {
          if (c.is_object()) causes.push_back({c.value("field", ""), c.value("message", "")});
        }
      }
      if (causes.empty()) return Status::InvalidArgument(text).WithReason("Invalid");
      return Status::Invalid(std::move(causes), text).WithReason("Invalid");
    }
    case 429: return Status::ResourceExhausted(text).WithReason("TooManyRequests");
    default: break;
  }
  if (code >= 500) return Status::Unavailable(text).WithReason(reason.empty() ? "InternalError" : reason);
  return Status::Internal(text).WithReason(reason);
}

}  // namespace x3ui::kube
