#include "pkg/x3ui/fenced_transport.h"

#include <algorithm>

namespace x3ui::panel {
namespace {

class FencedTransport final : public HttpTransport {
 public:
  FencedTransport(std::unique_ptr<HttpTransport> inner, const Fence* fence) : inner_(std::move(inner)), fence_(fence) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    if (!fence_->IsOpen()) {
      return Status::FailedPrecondition("not the leader: this replica does not hold the leader lease, so it sends nothing to panels");
    }
    // A request still on the wire when the fence shuts is canceled then, not at its own timeout.
    HttpRequest capped = request;
    capped.not_after = std::min(request.not_after, fence_->open_until());
    return inner_->Send(capped);
  }

 private:
  const std::unique_ptr<HttpTransport> inner_;
  const Fence* const fence_;
};

}  // namespace

TransportMaker FencedTransports(TransportMaker inner, const Fence* fence) {
  return [inner = std::move(inner), fence](const TransportOptions& options) -> Result<std::unique_ptr<HttpTransport>> {
    Result<std::unique_ptr<HttpTransport>> made = inner(options);
    if (!made.ok()) return made.status();
    return std::unique_ptr<HttpTransport>(std::make_unique<FencedTransport>(std::move(made).value(), fence));
  };
}

}  // namespace x3ui::panel
