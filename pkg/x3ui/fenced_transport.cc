#include "pkg/x3ui/fenced_transport.h"

namespace x3ui::panel {
namespace {

class FencedTransport final : public HttpTransport {
 public:
  FencedTransport(std::unique_ptr<HttpTransport> inner, const Fence* fence) : inner_(std::move(inner)), fence_(fence) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    if (!fence_->IsOpen()) {
      return Status::FailedPrecondition("not the leader: this replica does not hold the leader lease, so it sends nothing to panels");
    }
    return inner_->Send(request);
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
