#ifndef DCS_DIGEST_H
#define DCS_DIGEST_H

/* (Named libdcs_, not dcs_: the library exports dcs_ only, and these stay inside it.)
 * SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto, the one libcurl already loads (Debian's
 * libcurl4 is built on OpenSSL), instead of a second TLS library linked into libdcs. The
 * algorithms are fetched once per process; an HMAC key is set up once per signer. */
#include <stddef.h>

/* out: 32 bytes. 1 on success, 0 on failure (only without memory). */
int libdcs_sha256(const void *data, size_t count, unsigned char *out);

/* An HMAC-SHA256 keyed once; any number of threads may sign with it at once. */
typedef struct libdcs_hmac_key libdcs_hmac_key;

/* NULL only without memory. */
libdcs_hmac_key *libdcs_hmac_key_new(const void *key, size_t count);
void libdcs_hmac_key_free(libdcs_hmac_key *key);

/* out: 32 bytes. 1 on success, 0 on failure (only without memory, or a NULL key). */
int libdcs_hmac_sha256(const libdcs_hmac_key *key, const void *data, size_t count, unsigned char *out);

#endif
