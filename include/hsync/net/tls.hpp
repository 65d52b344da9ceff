#pragma once
// TLS contexts for device connections: TLS 1.3 only, both sides present their device
// certificate, and a peer is accepted when the hash of its certificate's public key is
// a paired device id — there is no certificate authority, the pairing is the trust.

#include <functional>
#include <string>

#include <asio/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <hsync/net/device_id.hpp>
#include <hsync/net/identity.hpp>

namespace hsync::net {

// Decides whether a device may connect; called during the handshake with the device id
// computed from the peer's certificate.
using pairing_check = std::function<bool(const device_id&)>;

// A context for one side of device connections. `paired` is consulted on every
// handshake, so pairing changes apply to the next connection.
inline asio::ssl::context make_tls_context(const device_identity& self, pairing_check paired, bool server) {
    asio::ssl::context ctx(server ? asio::ssl::context::tls_server : asio::ssl::context::tls_client);
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
    ctx.use_certificate(asio::buffer(self.certificate_pem()), asio::ssl::context::pem);
    ctx.use_private_key(asio::buffer(self.private_key_pem()), asio::ssl::context::pem);
    ctx.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    ctx.set_verify_callback([paired = std::move(paired)](bool, asio::ssl::verify_context& vc) {
        // The certificate is self-signed by design, so OpenSSL's own verdict is ignored;
        // only the leaf matters and it must be a paired device.
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        X509* cert = X509_STORE_CTX_get_current_cert(store);
        if (cert == nullptr) return false;
        try {
            return paired(id_of_certificate(cert));
        } catch (...) {
            return false;
        }
    });
    return ctx;
}

// The device id of the peer of an established TLS stream.
template <class Stream>
device_id peer_device_id(Stream& stream) {
    X509* cert = SSL_get0_peer_certificate(stream.native_handle());
    if (cert == nullptr) throw error(errc::identity, "hsync: the peer presented no certificate");
    return id_of_certificate(cert);
}

}  // namespace hsync::net
