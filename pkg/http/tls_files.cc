#include "pkg/http/tls_files.h"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

namespace x3ui::http {
namespace ssl = boost::asio::ssl;

TlsFiles::TlsFiles(std::string cert_file, std::string key_file, std::chrono::milliseconds recheck)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), recheck_(recheck) {}

TlsFiles::FileStamp TlsFiles::StampOf(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, static_cast<int64_t>(st.st_size)};
}

TlsFiles::Stamp TlsFiles::StampNow() const { return {StampOf(cert_file_), StampOf(key_file_)}; }

Result<std::shared_ptr<ssl::context>> TlsFiles::Build() const {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and later only; the ciphers are OpenSSL's defaults for them.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file_, ec);
  if (ec) return Status::InvalidArgument("--tls-cert-file " + cert_file_ + ": no PEM certificate chain could be read (" + ec.message() + ")");
  ctx->use_private_key_file(key_file_, ssl::context::pem, ec);
  if (ec) {
    return Status::InvalidArgument("--tls-key-file " + key_file_ +
                                   ": no PEM private key matching the certificate could be read (" + ec.message() + ")");
  }
  return ctx;
}

Status TlsFiles::Load() {
  Stamp stamp = StampNow();
  Result<std::shared_ptr<ssl::context>> ctx = Build();
  if (!ctx.ok()) return ctx.status();
  std::lock_guard<std::mutex> l(mu_);
  current_ = *std::move(ctx);
  stamp_ = stamp;
  next_check_ = std::chrono::steady_clock::now() + recheck_;
  return Status::Ok();
}

std::shared_ptr<ssl::context> TlsFiles::Current() {
  std::lock_guard<std::mutex> l(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!current_ || now < next_check_) return current_;
  next_check_ = now + recheck_;
  const Stamp stamp = StampNow();
  if (stamp == stamp_) return current_;
  // Building a context reads two small files: cheap enough to do under the lock, once per
  // change, and it keeps two connections from reloading at once.
  Result<std::shared_ptr<ssl::context>> ctx = Build();
  if (!ctx.ok()) {
    spdlog::warn("tls reload failed, serving the previous certificate error=\"{}\"", ctx.status().message());
    stamp_ = stamp;  // retried when the files change again
    return current_;
  }
  current_ = *std::move(ctx);
  stamp_ = stamp;
  spdlog::info("tls certificate reloaded cert_file={}", cert_file_);
  return current_;
}

}  // namespace x3ui::http
