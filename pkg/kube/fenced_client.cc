#include "pkg/kube/fenced_client.h"

namespace x3ui::kube {

Status FencedClient::Check(const char* verb, const Resource& r) const {
  if (fence_->IsOpen()) return Status::Ok();
  return Status::FailedPrecondition(std::string("not the leader: this replica does not hold the leader lease, so it does not ") +
                                    verb + " " + r.plural);
}

Result<Json> FencedClient::Get(const Resource& r, const std::string& ns, const std::string& name) {
  return inner_->Get(r, ns, name);
}

Result<ObjectList> FencedClient::List(const Resource& r, const std::string& ns, const ListOptions& opts) {
  return inner_->List(r, ns, opts);
}

Result<Json> FencedClient::Create(const Resource& r, const std::string& ns, const Json& obj) {
  if (Status s = Check("create", r); !s.ok()) return s;
  return inner_->Create(r, ns, obj);
}

Result<Json> FencedClient::Update(const Resource& r, const std::string& ns, const Json& obj) {
  if (Status s = Check("update", r); !s.ok()) return s;
  return inner_->Update(r, ns, obj);
}

Result<Json> FencedClient::UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) {
  if (Status s = Check("update the status of", r); !s.ok()) return s;
  return inner_->UpdateStatus(r, ns, obj);
}

Result<Json> FencedClient::Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                                 const Json& patch, bool status_subresource) {
  if (Status s = Check("patch", r); !s.ok()) return s;
  return inner_->Patch(r, ns, name, type, patch, status_subresource);
}

Status FencedClient::Delete(const Resource& r, const std::string& ns, const std::string& name) {
  if (Status s = Check("delete", r); !s.ok()) return s;
  return inner_->Delete(r, ns, name);
}

Status FencedClient::Watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                           const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) {
  return inner_->Watch(r, ns, opts, on_event, stop);
}

}  // namespace x3ui::kube
