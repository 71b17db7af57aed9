#include "pkg/x3ui/http_transport.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <stdexcept>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>

#include "pkg/common/strings.h"
#include "pkg/common/text.h"
#include "pkg/common/url.h"
#include "pkg/x3ui/tls_trust.h"

namespace x3ui::panel {

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

namespace {

// Thrown from the progress handler once the body passes the limit: cpprestsdk then fails the
// request and closes the connection, so nothing more is read into memory.
struct BodyTooLarge : std::runtime_error {
  BodyTooLarge() : std::runtime_error("reply body over the limit") {}
};

size_t HeaderBytes(const web::http::http_headers& headers) {
  size_t n = 0;
  for (const auto& [k, v] : headers) n += k.size() + v.size();
  return n;
}

// Set by a task's continuation; waited on with a deadline. Shared with the continuation, which
// may run after the waiter gave up.
struct Completion {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

// True when `task` completes before `deadline`. The continuation observes the task's exception
// (pplx terminates the process on an unobserved one), so a task left behind at the deadline is
// safe to abandon.
template <typename T>
bool CompletesBy(const pplx::task<T>& task, std::chrono::steady_clock::time_point deadline) {
  auto c = std::make_shared<Completion>();
  task.then([c](pplx::task<T> t) {
    try {
      t.wait();
    } catch (...) {  // observed here; the waiter calls get() again for the outcome
    }
    std::lock_guard<std::mutex> l(c->mu);
    c->done = true;
    c->cv.notify_all();
  });
  std::unique_lock<std::mutex> l(c->mu);
  return c->cv.wait_until(l, deadline, [&] { return c->done; });
}

class CppRestTransport final : public HttpTransport {
 public:
  CppRestTransport(const TransportOptions& o, web::http::client::http_client_config cfg)
      : options_(o), client_(web::uri(o.base_url), cfg) {}

  Result<HttpResponse> Send(const HttpRequest& req) override {
    // cpprestsdk reads a body into memory in the background whether or not anyone reads it, so
    // every early return while the body may still be arriving cancels, which closes the
    // connection. The whole exchange, connect to last byte, has one deadline.
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = std::min(start + options_.timeout, req.not_after);
    // What the caller allowed: the timeout, or less when the request's not_after comes first.
    const auto allowed = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
    pplx::cancellation_token_source cancel;
    auto overflow = std::make_shared<std::atomic<bool>>(false);
    try {
      web::http::http_request r = Build(req, overflow);
      pplx::task<web::http::http_response> sent = client_.request(r, cancel.get_token());
      if (!CompletesBy(sent, deadline)) {
        cancel.cancel();
        return PastDeadline(allowed);
      }
      web::http::http_response resp = sent.get();
      HttpResponse out;
      out.status = resp.status_code();
      if (size_t n = HeaderBytes(resp.headers()); n > kMaxHeaderBytes) {
        cancel.cancel();
        return Status::ResourceExhausted("reply headers of " + std::to_string(n) + " bytes exceed the limit of " +
                                         std::to_string(kMaxHeaderBytes));
      }
      for (const auto& [k, v] : resp.headers()) out.headers.emplace(AsciiLower(k), v);
      if (resp.headers().content_length() > options_.max_body_bytes) {
        cancel.cancel();
        return Status::ResourceExhausted("reply of " + std::to_string(resp.headers().content_length()) +
                                         " bytes exceeds the limit of " + std::to_string(options_.max_body_bytes));
      }
      Status s = ReadBody(resp, *overflow, deadline, allowed, &out.body);
      if (!s.ok()) {
        cancel.cancel();
        return s;
      }
      return out;
    } catch (const BodyTooLarge&) {
      return TooLarge();
    } catch (const web::http::http_exception& e) {
      if (overflow->load()) return TooLarge();
      std::string what = e.what();
      if (e.error_code() == std::errc::timed_out || what.find("timed out") != std::string::npos) {
        return PastDeadline(allowed);
      }
      return Status::Unavailable(CleanForeignText(what));
    } catch (const pplx::task_canceled&) {
      return PastDeadline(allowed);
    } catch (const web::uri_exception&) {
      // Its text quotes the path, which can hold a client's key.
      return Status::InvalidArgument("the request path is not a valid URI");
    } catch (const std::exception& e) {
      if (overflow->load()) return TooLarge();
      return Status::Unavailable(CleanForeignText(e.what()));
    }
  }

 private:
  // The cpprestsdk request for `req`, whose progress handler stops a download over the limit.
  web::http::http_request Build(const HttpRequest& req, const std::shared_ptr<std::atomic<bool>>& overflow) const {
    web::http::http_request r(req.method);
    r.set_request_uri(web::uri(req.path));
    for (const auto& [k, v] : req.headers) r.headers().add(k, v);
    if (!req.body.empty() || req.method == web::http::methods::POST) {
      std::string content_type = "application/json";
      for (const auto& [k, v] : req.headers) {
        if (AsciiLower(k) == "content-type") content_type = v;
      }
      r.set_body(req.body, content_type);
    }
    const size_t limit = options_.max_body_bytes;
    r.set_progress_handler([limit, overflow](web::http::message_direction::direction d, utility::size64_t n) {
      if (d != web::http::message_direction::download || n <= limit) return;
      overflow->store(true);
      throw BodyTooLarge();
    });
    return r;
  }

  Status TooLarge() const {
    return Status::ResourceExhausted("reply exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  static Status PastDeadline(std::chrono::milliseconds allowed) {
    return Status::DeadlineExceeded("no complete reply within " + std::to_string(std::max<int64_t>(allowed.count(), 0)) + " ms");
  }

  // Reads the body in chunks, so that a hostile endless body stops at the limit, and a body that
  // trickles in stops at the deadline. The progress handler stops the download itself;
  // `overflow` says that it did.
  Status ReadBody(web::http::http_response& resp, const std::atomic<bool>& overflow,
                  std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds allowed, std::string* out) {
    auto buf = resp.body().streambuf();
    auto chunk = std::make_shared<std::vector<uint8_t>>(64 * 1024);  // outlives an abandoned read
    out->clear();
    while (true) {
      pplx::task<size_t> read = buf.getn(chunk->data(), chunk->size());
      read.then([chunk](pplx::task<size_t> t) {  // keeps the buffer alive until the read ends
        try {
          t.wait();
        } catch (...) {
        }
      });
      if (!CompletesBy(read, deadline)) return PastDeadline(allowed);
      size_t n = read.get();
      if (n == 0) break;
      out->append(reinterpret_cast<const char*>(chunk->data()), n);
      if (out->size() > options_.max_body_bytes) return TooLarge();
    }
    if (overflow.load()) return TooLarge();
    return Status::Ok();
  }

  TransportOptions options_;
  web::http::client::http_client client_;
};

}  // namespace

Result<std::unique_ptr<HttpTransport>> NewCppRestTransport(const TransportOptions& o) {
  // The URL is not quoted: its path is the panel's web base path, a secret of sorts.
  if (!web::uri::validate(o.base_url)) {
    return Status::InvalidArgument("the URL of panel " + CleanForeignText(UrlHostPort(o.base_url), 256) +
                                   " is not a valid URL");
  }
  web::http::client::http_client_config cfg;
  // cpprestsdk's own timeout restarts with every chunk received; Send puts a total deadline on
  // top of it.
  cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(o.timeout));
  cfg.set_validate_certificates(!o.insecure_skip_tls_verify);
  if (!o.ca_pem.empty()) {
    if (Status s = CheckCaBundle(o.ca_pem); !s.ok()) return s;
    std::string pem = o.ca_pem;
    cfg.set_ssl_context_callback([pem](boost::asio::ssl::context& ctx) { TrustOnly(ctx, pem); });
  }
  try {
    return std::unique_ptr<HttpTransport>(new CppRestTransport(o, cfg));
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot use the URL of panel " + CleanForeignText(UrlHostPort(o.base_url), 256) +
                                   ": " + CleanForeignText(e.what()));
  }
}

}  // namespace x3ui::panel
