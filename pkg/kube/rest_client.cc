#include "pkg/kube/rest_client.h"

#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <spdlog/spdlog.h>

#include "pkg/common/json_parse.h"
#include "pkg/kube/request_deadline.h"

namespace x3ui::kube {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::client::http_client;
using web::http::client::http_client_config;

std::string ReadToken(const RestConfig& c) {
  if (!c.token_file.empty()) {
    std::ifstream in(c.token_file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    if (!t.empty()) return t;
  }
  return c.token;
}

http_client_config MakeConfig(const RestConfig& c, std::chrono::seconds timeout) {
  http_client_config cfg;
  cfg.set_timeout(timeout);
  cfg.set_validate_certificates(!c.insecure_skip_tls_verify);
  std::string ca = c.ca_pem, cert = c.client_cert_pem, key = c.client_key_pem;
  if (!ca.empty() || !cert.empty()) {
    cfg.set_ssl_context_callback([ca, cert, key](boost::asio::ssl::context& ctx) {
      boost::system::error_code ec;
      if (!ca.empty()) ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()), ec);
      if (!cert.empty() && !key.empty()) {
        ctx.use_certificate_chain(boost::asio::buffer(cert.data(), cert.size()), ec);
        ctx.use_private_key(boost::asio::buffer(key.data(), key.size()), boost::asio::ssl::context::pem, ec);
      }
    });
  }
  return cfg;
}

// The value of `task`, waited for until `deadline` at most: past it `cts` is cancelled, which
// ends the exchange and makes get() throw pplx::task_canceled. No deadline: waits as long as the
// client's own timeout lets it.
template <typename T>
T GetBy(pplx::task<T> task, const std::optional<SteadyTime>& deadline, pplx::cancellation_token_source& cts) {
  if (deadline) {
    std::promise<void> finished;
    pplx::task<void> signal = task.then([&finished](pplx::task<T>) { finished.set_value(); });
    if (finished.get_future().wait_until(*deadline) == std::future_status::timeout) cts.cancel();
    signal.wait();  // `finished` must outlive the continuation
  }
  return task.get();
}

std::string Describe(const std::string& method, const Resource& r, const std::string& ns, const std::string& name) {
  std::string what = method + " " + r.plural;
  if (!ns.empty()) what += " " + ns + "/" + name;
  else if (!name.empty()) what += " " + name;
  return what;
}

std::string Name(const Json& obj) {
  return obj.is_object() && obj.contains("metadata") ? obj["metadata"].value("name", "") : "";
}

}  // namespace

struct RestClient::Impl {
  RestConfig config;
  const Clock* clock;
  RestObserver observer;
  TokenBucket limiter;
  std::unique_ptr<http_client> client;
  std::string host;

  Impl(RestConfig c, const Clock* clk, RestObserver obs)
      : config(std::move(c)), clock(clk), observer(std::move(obs)), limiter(config.qps, config.burst, clk) {}

  void Observe(const std::string& code, const std::string& method) const {
    if (observer) observer(code, method, host);
  }

  http_request Request(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& content_type) const {
    http_request req(method);
    req.set_request_uri(web::uri(path));
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", "x3ui-operator");
    std::string token = ReadToken(config);
    if (!token.empty()) req.headers().add("Authorization", "Bearer " + token);
    if (!body.empty()) req.set_body(body, content_type);
    return req;
  }

  // One request; returns (HTTP status, parsed JSON body or null).
  Result<std::pair<int, Json>> Do(const std::string& method, const std::string& path, const std::string& body,
                                  const std::string& content_type, const std::string& what) {
    limiter.Wait();
    const std::optional<SteadyTime> deadline = CurrentRequestDeadline();
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      return Status::DeadlineExceeded(what + ": the request's deadline passed before it was sent");
    }
    pplx::cancellation_token_source cts;
    try {
      http_response resp = GetBy(client->request(Request(method, path, body, content_type), cts.get_token()), deadline, cts);
      Observe(std::to_string(resp.status_code()), method);
      spdlog::debug("kube request=\"{}\" code={}", what, resp.status_code());
      std::string text = GetBy(resp.extract_utf8string(true), deadline, cts);
      Json j = text.empty() ? Json() : Json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) j = Json();
      return std::make_pair(static_cast<int>(resp.status_code()), std::move(j));
    } catch (const web::http::http_exception& e) {
      Observe("<error>", method);
      std::string m = e.what();
      const bool past_deadline = deadline && std::chrono::steady_clock::now() >= *deadline;
      if (past_deadline || e.error_code() == std::errc::timed_out || m.find("timed out") != std::string::npos) {
        return Status::DeadlineExceeded(what + ": no reply from " + host);
      }
      return Status::Unavailable(what + ": " + host + " unreachable: " + m);
    } catch (const pplx::task_canceled&) {
      Observe("<error>", method);
      return Status::DeadlineExceeded(what + ": no reply from " + host + " within the request's deadline");
    } catch (const std::exception& e) {
      Observe("<error>", method);
      return Status::Unavailable(what + ": " + e.what());
    }
  }

  Result<Json> Object(const std::string& method, const std::string& path, const Json& body,
                      const std::string& content_type, const std::string& what) {
    // The objects written carry text from panels and users (conditions, Events); a stray byte
    // that is not UTF-8 must not throw out of here.
    Result<std::pair<int, Json>> r = Do(method, path, body.is_null() ? "" : DumpJson(body), content_type, what);
    if (!r.ok()) return r.status();
    if (r->first < 200 || r->first > 299) return StatusFromApi(r->first, r->second, what);
    if (!r->second.is_object()) return Status::Internal(what + ": the API server sent a body that is not an object");
    return std::move(r->second);
  }
};

RestClient::RestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestClient::~RestClient() = default;

Result<std::unique_ptr<RestClient>> RestClient::New(const RestConfig& config, const Clock* clock,
                                                    RestObserver observer) {
  if (!web::uri::validate(config.server)) return Status::InvalidArgument("not a valid API server URL: " + config.server);
  auto impl = std::make_unique<Impl>(config, clock, std::move(observer));
  try {
    impl->client = std::make_unique<http_client>(web::uri(config.server), MakeConfig(config, config.timeout));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot use API server URL: ") + e.what());
  }
  web::uri u(config.server);
  impl->host = u.host() + (u.port() > 0 ? ":" + std::to_string(u.port()) : "");
  return std::unique_ptr<RestClient>(new RestClient(std::move(impl)));
}

Result<Json> RestClient::Get(const Resource& r, const std::string& ns, const std::string& name) {
  return impl_->Object("GET", r.ObjectPath(ns, name), nullptr, "", Describe("get", r, ns, name));
}

Result<ObjectList> RestClient::List(const Resource& r, const std::string& ns, const ListOptions& o) {
  std::string q;
  auto add = [&q](const std::string& k, const std::string& v) {
    if (!v.empty()) q += (q.empty() ? "?" : "&") + k + "=" + QueryEscape(v);
  };
  add("labelSelector", o.label_selector);
  add("fieldSelector", o.field_selector);
  add("resourceVersion", o.resource_version);
  if (o.limit > 0) add("limit", std::to_string(o.limit));
  add("continue", o.continue_token);
  Result<Json> j = impl_->Object("GET", r.CollectionPath(ns) + q, nullptr, "", Describe("list", r, ns, ""));
  if (!j.ok()) return j.status();
  ObjectList out;
  const Json& meta = (*j)["metadata"];
  if (meta.is_object()) {
    out.resource_version = meta.value("resourceVersion", "");
    out.continue_token = meta.value("continue", "");
  }
  if ((*j).contains("items") && (*j)["items"].is_array()) {
    for (auto& item : (*j)["items"]) {
      // Items of a list carry no apiVersion/kind; give them back so that decoders can check.
      item["apiVersion"] = r.api_version();
      item["kind"] = r.kind;
      out.items.push_back(std::move(item));
    }
  }
  return out;
}

Result<Json> RestClient::Create(const Resource& r, const std::string& ns, const Json& obj) {
  return impl_->Object("POST", r.CollectionPath(ns), obj, "application/json", Describe("create", r, ns, Name(obj)));
}

Result<Json> RestClient::Update(const Resource& r, const std::string& ns, const Json& obj) {
  return impl_->Object("PUT", r.ObjectPath(ns, Name(obj)), obj, "application/json", Describe("update", r, ns, Name(obj)));
}

Result<Json> RestClient::UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) {
  return impl_->Object("PUT", r.ObjectPath(ns, Name(obj), "status"), obj, "application/json",
                       Describe("update status of", r, ns, Name(obj)));
}

Result<Json> RestClient::Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                               const Json& patch, bool status_subresource) {
  std::string ct = type == PatchType::kMerge ? "application/merge-patch+json" : "application/json-patch+json";
  return impl_->Object("PATCH", r.ObjectPath(ns, name, status_subresource ? "status" : ""), patch, ct,
                       Describe("patch", r, ns, name));
}

Status RestClient::Delete(const Resource& r, const std::string& ns, const std::string& name) {
  Json opts = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  Result<Json> j = impl_->Object("DELETE", r.ObjectPath(ns, name), opts, "application/json", Describe("delete", r, ns, name));
  return j.status();
}

Status RestClient::Watch(const Resource& r, const std::string& ns, const WatchOptions& o,
                         const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) {
  std::string q = "?watch=true&timeoutSeconds=" + std::to_string(o.timeout_seconds);
  if (o.allow_bookmarks) q += "&allowWatchBookmarks=true";
  if (!o.resource_version.empty()) q += "&resourceVersion=" + QueryEscape(o.resource_version);
  if (!o.label_selector.empty()) q += "&labelSelector=" + QueryEscape(o.label_selector);
  if (!o.field_selector.empty()) q += "&fieldSelector=" + QueryEscape(o.field_selector);
  std::string what = Describe("watch", r, ns, "");
  impl_->limiter.Wait();
  // Its own client: the idle timeout must outlast the server's timeoutSeconds.
  http_client watch_client(web::uri(impl_->config.server),
                           MakeConfig(impl_->config, std::chrono::seconds(o.timeout_seconds + 60)));
  pplx::cancellation_token_source cts;
  std::atomic<bool> finished{false};
  std::thread watchdog([&] {
    while (!finished.load()) {
      if (stop != nullptr && stop->load()) {
        cts.cancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto done = [&](Status s) {
    finished = true;
    watchdog.join();
    return s;
  };
  try {
    http_response resp = watch_client.request(impl_->Request("GET", r.CollectionPath(ns) + q, "", ""), cts.get_token()).get();
    impl_->Observe(std::to_string(resp.status_code()), "WATCH");
    if (resp.status_code() != 200) {
      std::string text = resp.extract_utf8string(true).get();
      return done(StatusFromApi(resp.status_code(), Json::parse(text, nullptr, false), what));
    }
    auto buf = resp.body().streambuf();
    std::vector<uint8_t> chunk(64 * 1024);
    std::string pending;
    while (true) {
      // getn waits for the whole count: take one byte (waiting), then whatever else has arrived.
      size_t n = buf.getn(chunk.data(), 1).get();
      if (n == 0) return done(Status::Ok());  // the server closed the watch
      size_t avail = std::min(buf.in_avail(), chunk.size() - 1);
      if (avail > 0) n += buf.getn(chunk.data() + 1, avail).get();
      pending.append(reinterpret_cast<const char*>(chunk.data()), n);
      // Events may be split across chunks: only complete lines are decoded.
      size_t start = 0, nl;
      while ((nl = pending.find('\n', start)) != std::string::npos) {
        std::string_view line(pending.data() + start, nl - start);
        start = nl + 1;
        if (line.empty()) continue;
        Json e = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
        if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
          return done(Status::Internal(what + ": undecodable watch event"));
        }
        WatchEvent ev{e["type"].get<std::string>(), e.value("object", Json())};
        if (!on_event(ev)) return done(Status::Ok());
      }
      pending.erase(0, start);
      if (stop != nullptr && stop->load()) return done(Status::Ok());
    }
  } catch (const pplx::task_canceled&) {
    return done(Status::Ok());
  } catch (const std::exception& e) {
    if (stop != nullptr && stop->load()) return done(Status::Ok());
    return done(Status::Unavailable(what + ": " + e.what()));
  }
}

}  // namespace x3ui::kube
