#include "pkg/x3ui/http_transport.h"

#include <algorithm>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>

#include "pkg/common/strings.h"

namespace x3ui::panel {

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

namespace {

class CppRestTransport final : public HttpTransport {
 public:
  CppRestTransport(const TransportOptions& o, web::http::client::http_client_config cfg)
      : options_(o), client_(web::uri(o.base_url), cfg) {}

  Result<HttpResponse> Send(const HttpRequest& req) override {
    try {
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
      web::http::http_response resp = client_.request(r).get();
      HttpResponse out;
      out.status = resp.status_code();
      for (const auto& [k, v] : resp.headers()) out.headers.emplace(AsciiLower(k), v);
      if (resp.headers().content_length() > options_.max_body_bytes) {
        return Status::ResourceExhausted("reply of " + std::to_string(resp.headers().content_length()) +
                                         " bytes exceeds the limit");
      }
      Status s = ReadBody(resp, &out.body);
      if (!s.ok()) return s;
      return out;
    } catch (const web::http::http_exception& e) {
      std::string what = e.what();
      if (e.error_code() == std::errc::timed_out || what.find("timed out") != std::string::npos) {
        return Status::DeadlineExceeded("no reply within " + std::to_string(options_.timeout.count()) + " ms");
      }
      return Status::Unavailable(what);
    } catch (const pplx::task_canceled&) {
      return Status::DeadlineExceeded("request canceled");
    } catch (const std::exception& e) {
      return Status::Unavailable(e.what());
    }
  }

 private:
  // Reads the body in chunks so that a hostile endless body stops at the limit.
  Status ReadBody(web::http::http_response& resp, std::string* out) {
    auto buf = resp.body().streambuf();
    std::vector<uint8_t> chunk(64 * 1024);
    out->clear();
    while (true) {
      size_t n = buf.getn(chunk.data(), chunk.size()).get();
      if (n == 0) break;
      out->append(reinterpret_cast<const char*>(chunk.data()), n);
      if (out->size() > options_.max_body_bytes) {
        return Status::ResourceExhausted("reply exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
      }
    }
    return Status::Ok();
  }

  TransportOptions options_;
  web::http::client::http_client client_;
};

}  // namespace

Result<std::unique_ptr<HttpTransport>> NewCppRestTransport(const TransportOptions& o) {
  if (!web::uri::validate(o.base_url)) return Status::InvalidArgument("not a valid URL: " + o.base_url);
  web::http::client::http_client_config cfg;
  // cpprestsdk's timeout is an idle timeout that restarts with every chunk received.
  cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(o.timeout));
  cfg.set_validate_certificates(!o.insecure_skip_tls_verify);
  if (!o.ca_pem.empty()) {
    std::string pem = o.ca_pem;
    cfg.set_ssl_context_callback([pem](boost::asio::ssl::context& ctx) {
      boost::system::error_code ec;
      ctx.add_certificate_authority(boost::asio::buffer(pem.data(), pem.size()), ec);
    });
  }
  try {
    return std::unique_ptr<HttpTransport>(new CppRestTransport(o, cfg));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot use URL: ") + e.what());
  }
}

}  // namespace x3ui::panel
