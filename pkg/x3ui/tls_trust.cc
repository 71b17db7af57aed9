#include "pkg/x3ui/tls_trust.h"

#include <memory>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "pkg/x3ui/reasons.h"

namespace x3ui::panel {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The certificates of `pem`, or an error for a bundle with none or with a block that does not
// parse. Text outside PEM blocks (comments, as in ca-certificates bundles) is allowed.
Result<std::vector<X509Ptr>> ParseCertificates(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return Status::Internal("cannot read the CA bundle");
  std::vector<X509Ptr> certs;
  ERR_clear_error();
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(x);
  // The loop ends at the end of the input (PEM_R_NO_START_LINE) or at a block that fails.
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end = err == 0 || (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  if (!clean_end) {
    return Status::InvalidArgument("the CA bundle holds a PEM block that is not a valid certificate").WithReason(kReasonCaInvalid);
  }
  if (certs.empty()) return Status::InvalidArgument("the CA bundle holds no PEM certificate").WithReason(kReasonCaInvalid);
  return certs;
}

}  // namespace

Status CheckCaBundle(const std::string& pem) {
  Result<std::vector<X509Ptr>> certs = ParseCertificates(pem);
  return certs.ok() ? Status::Ok() : certs.status();
}

void TrustOnly(boost::asio::ssl::context& ctx, const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return;
  Result<std::vector<X509Ptr>> certs = ParseCertificates(pem);
  if (certs.ok()) {
    for (const X509Ptr& c : *certs) X509_STORE_add_cert(store, c.get());  // takes its own reference
  }
  SSL_CTX_set_cert_store(ctx.native_handle(), store);  // frees the store holding the system roots
}

}  // namespace x3ui::panel
