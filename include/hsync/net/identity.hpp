#pragma once
// A device's identity: an Ed25519 key pair and a self-signed certificate, created on
// first use and kept beside the library (the key readable by its owner only). The
// device id is the SHA-256 of the certificate's public key (net/device_id.hpp); TLS
// peers are accepted by that hash alone (pinning), so no certificate authority exists.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <hsync/core/error.hpp>
#include <hsync/net/device_id.hpp>
#include <hsync/store/options.hpp>

namespace hsync::net {

namespace detail {

struct openssl_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
    void operator()(X509* p) const noexcept { X509_free(p); }
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
template <class T>
using openssl_ptr = std::unique_ptr<T, openssl_free>;

[[noreturn]] inline void identity_error(const std::string& what) { throw error(errc::identity, "hsync: " + what); }

inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) identity_error("cannot read " + file.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes a new file with the given mode, failing if it exists (two processes creating
// an identity at once must not overwrite each other's key).
inline void write_new_file(const std::filesystem::path& file, const std::string& content, mode_t mode) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) identity_error("cannot create " + file.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n <= 0) {
            ::close(fd);
            identity_error("cannot write " + file.string());
        }
        written += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
}

}  // namespace detail

// The id of the device that owns a certificate: SHA-256 of its SubjectPublicKeyInfo.
inline device_id id_of_certificate(X509* cert) {
    EVP_PKEY* key = X509_get0_pubkey(cert);
    if (key == nullptr) detail::identity_error("a certificate without a public key");
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key, &der);
    if (n <= 0) detail::identity_error("cannot encode a public key");
    device_id::hash_type hash{};
    unsigned int len = 0;
    const int ok = EVP_Digest(der, static_cast<std::size_t>(n), hash.data(), &len, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    if (!ok || len != hash.size()) detail::identity_error("cannot hash a public key");
    return device_id{hash};
}

class device_identity {
public:
    // The identity kept in `key_file` and `cert_file`, created there if neither exists.
    static device_identity load_or_create(const std::filesystem::path& key_file, const std::filesystem::path& cert_file) {
        const bool has_key = std::filesystem::exists(key_file);
        const bool has_cert = std::filesystem::exists(cert_file);
        if (!has_key && !has_cert) create(key_file, cert_file);
        else if (has_key != has_cert) {
            detail::identity_error("found " + (has_key ? key_file : cert_file).string() + " without " +
                                   (has_key ? cert_file : key_file).string() +
                                   "; restore the missing file, or remove both to make a new identity (the device "
                                   "will then have a new id and must be paired again)");
        }
        return load(key_file, cert_file);
    }

    // The identity kept beside a library file: <library>.key and <library>.crt.
    static device_identity beside(const std::filesystem::path& library_file) {
        return load_or_create(library_file.string() + ".key", library_file.string() + ".crt");
    }

    const device_id& id() const noexcept { return id_; }
    // What hsync::library needs: the device uuid derived from the id.
    hsync::identity library_identity() const { return hsync::identity{id_.as_uuid()}; }
    const std::string& certificate_pem() const noexcept { return cert_pem_; }
    const std::string& private_key_pem() const noexcept { return key_pem_; }

private:
    static void create(const std::filesystem::path& key_file, const std::filesystem::path& cert_file) {
        detail::openssl_ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        if (!key) detail::identity_error("cannot generate an Ed25519 key");
        detail::openssl_ptr<X509> cert(X509_new());
        X509_set_version(cert.get(), 2);
        // A random serial: certificates are only ever compared by their public key.
        unsigned char serial[16];
        const auto id = uuid::v4();
        std::memcpy(serial, id.bytes().data(), sizeof serial);
        serial[0] &= 0x7f;
        BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
        BN_free(bn);
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 100L * 365 * 24 * 3600);
        X509_NAME* name = X509_get_subject_name(cert.get());
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("hsync"), -1, -1, 0);
        X509_set_issuer_name(cert.get(), name);
        X509_set_pubkey(cert.get(), key.get());
        if (X509_sign(cert.get(), key.get(), nullptr) <= 0) detail::identity_error("cannot sign the device certificate");

        auto pem = [](auto write) {
            detail::openssl_ptr<BIO> bio(BIO_new(BIO_s_mem()));
            write(bio.get());
            char* data = nullptr;
            const long n = BIO_get_mem_data(bio.get(), &data);
            return std::string(data, static_cast<std::size_t>(n));
        };
        const std::string key_pem =
            pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
        const std::string cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, cert.get()); });
        detail::write_new_file(key_file, key_pem, 0600);
        detail::write_new_file(cert_file, cert_pem, 0644);
    }

    static device_identity load(const std::filesystem::path& key_file, const std::filesystem::path& cert_file) {
        struct stat st {};
        if (::stat(key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
            detail::identity_error(key_file.string() + " can be read by other users; make it private with `chmod 600 " +
                                   key_file.string() + "`");
        }
        device_identity out;
        out.key_pem_ = detail::read_file(key_file);
        out.cert_pem_ = detail::read_file(cert_file);
        detail::openssl_ptr<BIO> key_bio(BIO_new_mem_buf(out.key_pem_.data(), static_cast<int>(out.key_pem_.size())));
        detail::openssl_ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
        if (!key) detail::identity_error(key_file.string() + " does not hold a private key");
        detail::openssl_ptr<BIO> cert_bio(BIO_new_mem_buf(out.cert_pem_.data(), static_cast<int>(out.cert_pem_.size())));
        detail::openssl_ptr<X509> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
        if (!cert) detail::identity_error(cert_file.string() + " does not hold a certificate");
        if (X509_check_private_key(cert.get(), key.get()) != 1) {
            detail::identity_error(key_file.string() + " and " + cert_file.string() + " do not belong together");
        }
        out.id_ = id_of_certificate(cert.get());
        return out;
    }

    device_id id_;
    std::string key_pem_;
    std::string cert_pem_;
};

}  // namespace hsync::net
