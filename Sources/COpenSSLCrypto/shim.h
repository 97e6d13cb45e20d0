#ifndef DCS_OPENSSL_CRYPTO_SHIM_H
#define DCS_OPENSSL_CRYPTO_SHIM_H

/* SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto: the one libcurl already loads (Debian's
 * libcurl4 is built on OpenSSL), instead of a second TLS library linked into libdcs. */
#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* out: 32 bytes. 1 on success, 0 on failure (only out of memory). */
static inline int dcs_sha256(const void *data, size_t count, unsigned char *out) {
    unsigned int length = 0;
    return EVP_Digest(data, count, out, &length, EVP_sha256(), NULL) == 1 && length == 32;
}

static inline int dcs_hmac_sha256(const void *key, size_t key_count, const void *data, size_t count,
                                  unsigned char *out) {
    unsigned int length = 0;
    return HMAC(EVP_sha256(), key, (int)key_count, data, count, out, &length) != NULL && length == 32;
}

#endif
