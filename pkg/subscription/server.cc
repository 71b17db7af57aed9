#include "pkg/subscription/server.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "pkg/http/http_server.h"
#include "pkg/http/probes.h"
#include "pkg/subscription/catalog.h"
#include "pkg/subscription/client_ip.h"
#include "pkg/subscription/handler.h"

namespace x3ui::subscription {

struct Server::Impl {
  Impl(kube::KubeClient* kube, ServerConfig c)
      : config(std::move(c)),
        catalog(kube, config.namespaces),
        limiter(config.rate_per_second, config.rate_burst),
        registry(std::make_shared<prometheus::Registry>()),
        requests(prometheus::BuildCounter()
                     .Name("x3ui_subscription_requests_total")
                     .Help("Subscription requests by format and HTTP status code")
                     .Register(*registry)),
        latency(prometheus::BuildHistogram()
                    .Name("x3ui_subscription_request_duration_seconds")
                    .Help("Time to answer a subscription request")
                    .Register(*registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})) {}

  http::Response Handle(const http::Request& r) {
    if (r.path == "/healthz") return {200, "ok\n", "text/plain", {}};
    if (r.path == "/readyz") return catalog.Synced() ? http::Response{200, "ok\n", "text/plain", {}}
                                                     : http::Response{503, "caches not synced\n", "text/plain", {}};
    const auto start = std::chrono::steady_clock::now();
    http::Request from_client = r;
    from_client.remote_ip = ClientIp(r, config.is_trusted_proxy);
    Reply reply =
        Respond(from_client, [this](const std::string& t) { return catalog.Lookup(t); }, &limiter, start, config.render);
    requests.Add({{"format", reply.format}, {"code", std::to_string(reply.response.status)}}).Increment();
    latency.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return std::move(reply.response);
  }

  std::string Exposition() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry->Collect());
    return out.str();
  }

  ServerConfig config;
  Catalog catalog;
  RateLimiter limiter;
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Histogram& latency;
  std::unique_ptr<http::HttpServer> server, metrics_server;
};

Server::Server(kube::KubeClient* kube, ServerConfig config) : impl_(std::make_unique<Impl>(kube, std::move(config))) {}
Server::~Server() { Stop(); }

Status Server::Start() {
  auto listen = http::ParseBindAddress(impl_->config.listen_address);
  if (!listen.ok()) return listen.status();
  std::shared_ptr<http::TlsFiles> tls;
  if (!impl_->config.tls_cert_file.empty()) {
    tls = std::make_shared<http::TlsFiles>(impl_->config.tls_cert_file, impl_->config.tls_key_file);
    if (Status s = tls->Load(); !s.ok()) return s;
  }
  if (Status s = impl_->catalog.Start(std::chrono::seconds(60)); !s.ok()) return s;
  // A public endpoint: small heads (431 beyond), no bodies, and a request must be complete
  // within a few seconds (its deadline); more connections than the probes' server.
  http::ServerOptions opts{.io_threads = 1,
                           .handler_threads = 4,
                           .max_connections = 1024,
                           .head_timeout = std::chrono::milliseconds(5000),
                           .idle_timeout = std::chrono::milliseconds(15000),
                           .write_timeout = std::chrono::milliseconds(5000),
                           .max_head_bytes = 4096,
                           .max_body_bytes = 0,
                           .tls = tls};
  impl_->server = std::make_unique<http::HttpServer>(listen->first, listen->second,
                                                     [this](const http::Request& r) { return impl_->Handle(r); }, opts);
  if (Status s = impl_->server->Start(); !s.ok()) return s;
  auto metrics = http::ParseBindAddress(impl_->config.metrics_bind_address);
  if (!metrics.ok()) return metrics.status();
  if (metrics->second == 0) return Status::Ok();
  impl_->metrics_server = std::make_unique<http::HttpServer>(metrics->first, metrics->second, [this](const http::Request& r) {
    if (r.path != "/metrics") return http::Response{404, "not found\n", "text/plain", {}};
    return http::Response{200, impl_->Exposition(), "text/plain; version=0.0.4", {}};
  });
  return impl_->metrics_server->Start();
}

void Server::Stop() {
  if (!impl_) return;
  if (impl_->server) impl_->server->Stop();
  if (impl_->metrics_server) impl_->metrics_server->Stop();
  impl_->catalog.Stop();
}

}  // namespace x3ui::subscription
