#include "pkg/http/http_connection.h"

#include <cctype>
#include <exception>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>

#include "pkg/common/url.h"

namespace x3ui::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;

Request ToRequest(const bhttp::request<bhttp::string_body>& req, const std::string& remote_ip) {
  Request r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  r.path = PercentDecode(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = req.body();
  r.remote_ip = remote_ip;
  return r;
}

namespace {

// What the handler's Response becomes on the wire.
// A reply to HEAD carries the head a GET would get, Content-Length included, and no body
// (RFC 9110 §9.3.2): a body would be read by a keep-alive client as the start of its next reply.
bhttp::response<bhttp::string_body> ToBeast(Response s, unsigned version, bool keep_alive, bool head_request) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(s.status), version};
  if (!s.body.empty()) res.set(bhttp::field::content_type, s.content_type);
  for (const auto& [k, v] : s.headers) res.insert(k, v);
  const size_t length = s.body.size();
  if (!head_request) res.body() = std::move(s.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head_request && s.status != 204 && s.status != 304) res.content_length(length);
  return res;
}

Response RunHandler(const HttpServer::Handler& handler, const Request& req) {
  try {
    return handler(req);
  } catch (const std::exception&) {
    return {500, "internal error\n", "text/plain; charset=utf-8", {}};
  } catch (...) {
    return {500, "internal error\n", "text/plain; charset=utf-8", {}};
  }
}

constexpr size_t kMaxDrainBytes = 64 * 1024;

// A request the parser refused (bad method, target, version, field, length, chunk...), as
// opposed to a client that closed the connection before or during a request.
bool IsParseError(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

}  // namespace

namespace {
PlainStream MakeStream(asio::ip::tcp::socket socket, PlainStream*, asio::ssl::context*) { return PlainStream(std::move(socket)); }
TlsStream MakeStream(asio::ip::tcp::socket socket, TlsStream*, asio::ssl::context* tls) {
  return TlsStream(std::move(socket), *tls);
}
}  // namespace

template <class Stream>
Connection<Stream>::Connection(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                               const ServerOptions& options, const HttpServer::Handler& handler, asio::thread_pool& pool,
                               std::atomic<size_t>& open)
    : tls_(std::move(tls)),
      stream_(MakeStream(std::move(socket), static_cast<Stream*>(nullptr), tls_.get())),
      options_(options),
      handler_(handler),
      pool_(pool),
      open_(open),
      // Room for one full head and body plus a read's worth beyond; a client cannot grow it.
      buffer_(options.max_head_bytes + options.max_body_bytes + sizeof scratch_) {
  open_.fetch_add(1);
  error_code ec;
  auto ep = Tcp().socket().remote_endpoint(ec);
  if (!ec) remote_ip_ = ep.address().to_string();
}

template <class Stream>
Connection<Stream>::~Connection() {
  error_code ec;
  Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  Tcp().socket().close(ec);
  open_.fetch_sub(1);
}

template <class Stream>
void Connection<Stream>::Start() {
  head_deadline_ = Clock::now() + options_.head_timeout;
  // Onto the strand: with more than one I/O thread nothing else may touch the stream meanwhile.
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      // The handshake counts against the first request's head deadline: a client that opens a
      // connection and never finishes its handshake is closed like one that never sends a head.
      self->Tcp().expires_at(self->head_deadline_);
      self->stream_.async_handshake(asio::ssl::stream_base::server, [self](error_code ec) {
        if (ec) return self->Close();
        self->ReadHead();
      });
    } else {
      self->ReadHead();
    }
  });
}

template <class Stream>
void Connection<Stream>::AwaitRequest() {
  if (buffer_.size() > 0) {  // a pipelined request already arrived
    head_deadline_ = Clock::now() + options_.head_timeout;
    ReadHead();
    return;
  }
  Tcp().expires_after(options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(sizeof scratch_), [self = this->shared_from_this()](error_code ec, size_t n) {
    if (ec) return self->Close();
    self->buffer_.commit(n);
    self->head_deadline_ = Clock::now() + self->options_.head_timeout;
    self->ReadHead();
  });
}

template <class Stream>
void Connection<Stream>::ReadHead() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.max_head_bytes));
  parser_->body_limit(options_.max_body_bytes);
  Tcp().expires_at(head_deadline_);
  bhttp::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, size_t) {
    if (ec) return self->OnReadError(ec);
    auto length = self->parser_->content_length();
    if (length && *length > self->options_.max_body_bytes) {
      return self->Reject(bhttp::status::payload_too_large, "request body too large\n");
    }
    if (self->parser_->is_done()) return self->Dispatch();
    self->ReadBody();
  });
}

template <class Stream>
void Connection<Stream>::ReadBody() {
  bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, size_t) {
    if (ec) return self->OnReadError(ec);
    self->Dispatch();
  });
}

template <class Stream>
void Connection<Stream>::OnReadError(const error_code& ec) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return Reject(bhttp::status::request_header_fields_too_large, "request head too large\n");
  }
  if (ec == bhttp::error::body_limit) return Reject(bhttp::status::payload_too_large, "request body too large\n");
  if (IsParseError(ec)) return Reject(bhttp::status::bad_request, "malformed request\n");
  Close();  // timeout, reset, or the client went away
}

template <class Stream>
void Connection<Stream>::Dispatch() {
  Tcp().expires_never();
  auto req = std::make_shared<BeastRequest>(parser_->release());
  asio::post(pool_, [self = this->shared_from_this(), req] {
    Response r = RunHandler(self->handler_, ToRequest(*req, self->remote_ip_));
    bool keep_alive = req->keep_alive();
    const bool head_request = req->method() == bhttp::verb::head;
    const std::chrono::milliseconds pace = head_request ? std::chrono::milliseconds(0) : r.pace;
    auto res = std::make_shared<BeastResponse>(ToBeast(std::move(r), req->version(), keep_alive, head_request));
    asio::post(self->stream_.get_executor(), [self, res, keep_alive, pace] {
      self->response_ = std::move(*res);
      self->pace_ = pace;
      self->Write(!keep_alive);
    });
  });
}

template <class Stream>
void Connection<Stream>::Write(bool close_after) {
  if (pace_.count() > 0) return WritePaced(close_after);
  Tcp().expires_after(options_.write_timeout);
  bhttp::async_write(stream_, response_, [self = this->shared_from_this(), close_after](error_code ec, size_t) {
    if (ec) return self->Close();
    if (close_after) return self->Close();
    self->AwaitRequest();
  });
}

template <class Stream>
void Connection<Stream>::WritePaced(bool close_after) {
  // The head at once, announcing a chunked body; then the body in one-byte chunks.
  wire_ = "HTTP/1.1 " + std::to_string(response_.result_int()) + " " + std::string(response_.reason()) + "\r\n";
  for (const auto& f : response_) {
    if (f.name() == bhttp::field::content_length || f.name() == bhttp::field::transfer_encoding) continue;
    wire_ += std::string(f.name_string()) + ": " + std::string(f.value()) + "\r\n";
  }
  wire_ += "Transfer-Encoding: chunked\r\n\r\n";
  Tcp().expires_after(options_.write_timeout);
  asio::async_write(stream_, asio::buffer(wire_), [self = this->shared_from_this(), close_after](error_code ec, size_t) {
    if (ec) return self->Close();
    self->Drip(0, close_after);
  });
}

template <class Stream>
void Connection<Stream>::Drip(size_t offset, bool close_after) {
  const std::string& body = response_.body();
  const bool last = offset >= body.size();
  wire_ = last ? std::string("0\r\n\r\n") : "1\r\n" + body.substr(offset, 1) + "\r\n";
  Tcp().expires_after(options_.write_timeout);
  asio::async_write(stream_, asio::buffer(wire_), [self = this->shared_from_this(), offset, last, close_after](error_code ec, size_t) {
    if (ec) return self->Close();
    if (last) return close_after ? self->Close() : self->AwaitRequest();
    self->pause_.emplace(self->stream_.get_executor(), self->pace_);
    self->pause_->async_wait([self, offset, close_after](error_code ec) {
      if (ec) return self->Close();
      self->Drip(offset + 1, close_after);
    });
  });
}

template <class Stream>
void Connection<Stream>::Reject(bhttp::status status, const char* reason) {
  response_ = ToBeast({static_cast<int>(status), reason, "text/plain; charset=utf-8", {}}, 11, false, false);
  Tcp().expires_after(options_.write_timeout);
  bhttp::async_write(stream_, response_, [self = this->shared_from_this()](error_code ec, size_t) {
    if (ec) return self->Close();
    error_code ignored;
    self->Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    self->Tcp().expires_after(self->options_.linger_timeout);
    self->Linger();
  });
}

template <class Stream>
void Connection<Stream>::Linger() {
  stream_.async_read_some(asio::buffer(scratch_), [self = this->shared_from_this()](error_code ec, size_t n) {
    self->drained_ += n;
    if (ec || self->drained_ > kMaxDrainBytes) return self->Close();
    self->Linger();
  });
}

template <class Stream>
void Connection<Stream>::Close() {
  error_code ec;
  Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  Tcp().close();
}

template class Connection<PlainStream>;
template class Connection<TlsStream>;

}  // namespace x3ui::http
