#ifndef DCS_DIGEST_H
#define DCS_DIGEST_H

/* SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto, the one libcurl already loads (Debian's
 * libcurl4 is built on OpenSSL), instead of a second TLS library linked into libdcs. The
 * algorithms are fetched once per process; an HMAC key is set up once per signer. */
#include <stddef.h>

/* out: 32 bytes. 1 on success, 0 on failure (only without memory). */
int dcs_sha256(const void *data, size_t count, unsigned char *out);

/* An HMAC-SHA256 keyed once; any number of threads may sign with it at once. */
typedef struct dcs_hmac_key dcs_hmac_key;

/* NULL only without memory. */
dcs_hmac_key *dcs_hmac_key_new(const void *key, size_t count);
void dcs_hmac_key_free(dcs_hmac_key *key);

/* out: 32 bytes. 1 on success, 0 on failure (only without memory, or a NULL key). */
int dcs_hmac_sha256(const dcs_hmac_key *key, const void *data, size_t count, unsigned char *out);

#endif
