#include "dcs_digest.h"

#include <pthread.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Fetched once: an implicit fetch on every digest costs more than the digest of a request. */
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch(void) {
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

int libdcs_sha256(const void *data, size_t count, unsigned char *out) {
    pthread_once(&fetched, fetch);
    if (sha256_md == NULL) return 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    unsigned int length = 0;
    int ok = context != NULL && EVP_DigestInit_ex(context, sha256_md, NULL) == 1 &&
             EVP_DigestUpdate(context, data, count) == 1 && EVP_DigestFinal_ex(context, out, &length) == 1 &&
             length == 32;
    EVP_MD_CTX_free(context);
    return ok;
}

struct libdcs_hmac_key {
    EVP_MAC_CTX *keyed; /* never changed after setup: each signature works on a copy */
};

libdcs_hmac_key *libdcs_hmac_key_new(const void *key, size_t count) {
    pthread_once(&fetched, fetch);
    if (hmac_mac == NULL) return NULL;
    libdcs_hmac_key *made = calloc(1, sizeof *made);
    if (made == NULL) return NULL;
    made->keyed = EVP_MAC_CTX_new(hmac_mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    /* A key of no bytes is one byte long here and unused: OpenSSL refuses a NULL key. */
    static const unsigned char none = 0;
    if (made->keyed == NULL || EVP_MAC_init(made->keyed, count ? key : &none, count, params) != 1) {
        libdcs_hmac_key_free(made);
        return NULL;
    }
    return made;
}

void libdcs_hmac_key_free(libdcs_hmac_key *key) {
    if (key == NULL) return;
    EVP_MAC_CTX_free(key->keyed);
    free(key);
}

int libdcs_hmac_sha256(const libdcs_hmac_key *key, const void *data, size_t count, unsigned char *out) {
    if (key == NULL) return 0;
    EVP_MAC_CTX *context = EVP_MAC_CTX_dup(key->keyed);
    size_t length = 0;
    int ok = context != NULL && EVP_MAC_update(context, data, count) == 1 &&
             EVP_MAC_final(context, out, &length, 32) == 1 && length == 32;
    EVP_MAC_CTX_free(context);
    return ok;
}
