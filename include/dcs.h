/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libdcs: restart, soft-restart and flush Huawei Cloud DCS (managed Redis)
 * instances through PUT /v2/{project_id}/instances/status, with every
 * per-instance outcome reported and no request ever sent twice by accident.
 *
 * This header is the authoritative description of the library.
 *
 * Conventions, for every function below:
 *   - Functions that can fail return a dcs_status. Negative values are
 *     errors, DCS_OK (0) and DCS_EPARTIAL (1) mean the service answered.
 *   - Out-parameters come last and are named `out` or `err`. `err` may be
 *     NULL when the caller wants no details; otherwise *err is set to NULL
 *     on DCS_OK and to a new dcs_error, freed with dcs_error_free, for every
 *     other status.
 *   - Every object handed out is freed with its own _free function;
 *     _free(NULL) is a harmless no-op.
 *   - Strings passed in are copied: the caller may free them as soon as the
 *     call returns. Strings returned by accessors belong to the object they
 *     came from and live as long as it does.
 *   - No state is kept in thread-local storage: everything about a failed
 *     call is in the dcs_error of that call, so calls may move between
 *     threads (Go's goroutines do).
 *   - No input makes the library crash the host process: bad arguments get
 *     DCS_EINVAL with a message that names the argument, and nothing is sent.
 *   - Secrets (SK, security token, IAM token, a proxy's password, signatures)
 *     never appear in any message or log line the library produces, not even
 *     in part: any run of 8 or more characters of one is replaced by
 *     "[redacted]", also where an answer quotes it. Messages and log lines are
 *     one line: control characters, U+2028, U+2029 and the bidirectional
 *     controls (U+202A to U+202E, U+2066 to U+2069) become spaces.
 *   - fork(): a client may be used in both processes after a fork (the way
 *     prefork servers and Python's multiprocessing use one made at import
 *     time). The child never uses a connection it inherited: at its first call
 *     it closes its copies of them, without writing on them (the parent's TLS
 *     sessions go on), and opens its own. Each inherited connection leaves a
 *     few kilobytes in the child. Calls in flight in other threads at the
 *     moment of the fork do not exist in the child.
 *   - Proxies: an endpoint on loopback (the emulator) is never reached through
 *     a proxy. Other endpoints go through the proxy that
 *     dcs_config_set_proxy names, else the one the environment names as
 *     libcurl reads it (https_proxy, or http_proxy for http:// endpoints;
 *     all_proxy; no_proxy lists hosts reached directly; upper or lower case).
 *     An https:// endpoint is reached through a CONNECT tunnel: the proxy sees
 *     the host name, not the request.
 *   - dlclose does not unload the library: it is linked -z nodelete, since the
 *     Swift runtime inside it cannot be unloaded. Loading it again reuses the
 *     image already there and costs no memory.
 *   - Files the library reads (the CA file, Huawei's credentials file) are
 *     opened without blocking and must be regular files: anything else (a
 *     FIFO, a device, a directory) is DCS_ECONFIG, where the function reading
 *     it says, never a call that waits forever.
 */
#ifndef DCS_H
#define DCS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DCS_VERSION_MAJOR 0
#define DCS_VERSION_MINOR 1
#define DCS_VERSION_PATCH 0

/* The largest number of instance ids one call accepts. The library splits
 * them into requests of at most DCS_MAX_IDS_PER_REQUEST (the service's own
 * limit). */
#define DCS_MAX_IDS_PER_CALL    10000
#define DCS_MAX_IDS_PER_REQUEST 50

/* The longest instance id accepted, in bytes, without the terminating NUL. */
#define DCS_MAX_ID_BYTES 128

/* The defaults of a new dcs_config. */
#define DCS_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DCS_DEFAULT_TOTAL_TIMEOUT_MS   30000
#define DCS_DEFAULT_MAX_RETRIES        2

/* ------------------------------------------------------------------------
 * Version and status codes
 * ------------------------------------------------------------------------ */

/* The library's version, "MAJOR.MINOR.PATCH", matching the DCS_VERSION_*
 * macros of the header it was built with. A static string: never freed. */
const char *dcs_version(void);

/* The version of the libcurl that libdcs runs on, as loaded at run time
 * ("7.88.1"; the libcurl of the build may differ), so that a program can
 * report it without linking libcurl itself. A static string: never NULL,
 * never freed. */
const char *dcs_libcurl_version(void);

/* The status of a call. Values are fixed; new ones are only ever appended. */
typedef enum dcs_status {
    DCS_OK         =  0,  /* every instance reported success */
    DCS_EPARTIAL   =  1,  /* the service answered, but not every instance succeeded: read the results */
    DCS_EINVAL     = -1,  /* bad argument: rejected before anything was sent */
    DCS_ECONFIG    = -2,  /* configuration missing or invalid */
    DCS_ETRANSPORT = -3,  /* network, DNS or TLS failure */
    DCS_ETIMEOUT   = -4,  /* no complete answer in time */
    DCS_EAPI       = -5,  /* the service answered with an error status */
    DCS_EPROTOCOL  = -6,  /* the answer could not be understood */
    DCS_ENOMEM     = -7,  /* out of memory */
    DCS_ECANCELED  = -8,  /* a dcs_cancel token ended the call */
    DCS_ESTOPPED   = -9   /* a rolling call stopped at its health gate: a wave had an instance that
                             did not end RUNNING, so later waves were not sent (see dcs_call_options) */
} dcs_status;

/* The name of a status, "DCS_EAPI" for DCS_EAPI; "DCS_UNKNOWN_STATUS" for a
 * value this version does not know. A static string: never NULL, never freed. */
const char *dcs_status_name(dcs_status s);

/* What happened to one instance. Values are fixed; new ones are only ever
 * appended. */
typedef enum dcs_outcome {
    DCS_OUTCOME_SUCCESS  = 0,  /* the service reported "success" */
    DCS_OUTCOME_FAILED   = 1,  /* the service reported "failed", or refused the request (4xx): not applied */
    DCS_OUTCOME_NOT_SENT = 2,  /* no request for it reached the service: certainly not applied */
    DCS_OUTCOME_UNKNOWN  = 3   /* sent, but no answer says what happened (timeout, reset, 5xx,
                                  unreadable answer): it may have been applied */
} dcs_outcome;

/* The name of an outcome as the examples print it: "success", "failed",
 * "not_sent", "unknown"; "invalid" for a value this version does not know.
 * A static string: never NULL, never freed. */
const char *dcs_outcome_name(dcs_outcome o);

/* ------------------------------------------------------------------------
 * Objects
 * ------------------------------------------------------------------------ */

typedef struct dcs_config  dcs_config;   /* builder of a client's settings; one thread at a time */
typedef struct dcs_client  dcs_client;   /* thread-safe: share one across threads */
typedef struct dcs_results dcs_results;  /* the outcomes of one call, owned by the caller */
typedef struct dcs_error   dcs_error;    /* the details of a failed call, owned by the caller */
typedef struct dcs_cancel  dcs_cancel;   /* a cancel token: any thread may trigger it */
typedef struct dcs_instance_list dcs_instance_list;  /* the instances a listing found, owned by the caller */

/* ------------------------------------------------------------------------
 * Configuration
 *
 * A dcs_config collects settings; dcs_client_new checks that they make a
 * whole (an endpoint, a project id, and AK/SK or an IAM token) and copies
 * them, so the config can be freed or changed afterwards without touching
 * the client. Setters check their argument's form and return DCS_EINVAL
 * (naming the argument) when it is wrong, leaving the config unchanged;
 * checks that need several settings happen in dcs_client_new (DCS_ECONFIG).
 * A NULL cfg gives DCS_EINVAL. Setters have no dcs_error out-parameter: the
 * message of a failed one is read with dcs_config_error.
 * ------------------------------------------------------------------------ */

/* A new config with the defaults: no endpoint, no credentials,
 * DCS_DEFAULT_CONNECT_TIMEOUT_MS to connect, DCS_DEFAULT_TOTAL_TIMEOUT_MS per
 * request, DCS_DEFAULT_MAX_RETRIES retries, TLS verified against the system's
 * CA store. NULL only when out of memory. Free it with dcs_config_free. */
dcs_config *dcs_config_new(void);

/* Frees a config. NULL is a no-op. Clients made from it are not affected. */
void dcs_config_free(dcs_config *cfg);

/* The service's base URL: "https://dcs.cn-north-4.myhuaweicloud.com", an
 * optional port, an optional trailing "/", nothing else (no path, query or
 * user info). Takes precedence over dcs_config_set_region. "http://" is
 * accepted here, but dcs_client_new refuses it (DCS_ECONFIG) unless the host
 * is a loopback address (127.0.0.0/8, ::1, localhost: the emulator) or
 * dcs_config_set_insecure was called. */
dcs_status dcs_config_set_endpoint(dcs_config *cfg, const char *url);

/* A region id such as "cn-north-4"; the endpoint becomes
 * "https://dcs.{region}.myhuaweicloud.com" unless one was set explicitly.
 * Lower-case letters, digits and '-' only. */
dcs_status dcs_config_set_region(dcs_config *cfg, const char *region);

/* The project id of the region (32 hex characters in practice); letters,
 * digits, '-', '_', '.' and '~', at most 64, neither "." nor "..". */
dcs_status dcs_config_set_project_id(dcs_config *cfg, const char *project_id);

/* AK/SK credentials; requests are signed with SDK-HMAC-SHA256.
 * security_token is NULL unless the credentials are temporary ones, in which
 * case it is sent, signed, as X-Security-Token. Replaces an IAM token set
 * before. None of these values ever appears in a message. */
dcs_status dcs_config_set_credentials(dcs_config *cfg, const char *ak, const char *sk,
                                      const char *security_token);

/* An IAM token, sent as X-Auth-Token instead of signing with AK/SK.
 * Replaces AK/SK credentials set before. */
dcs_status dcs_config_set_auth_token(dcs_config *cfg, const char *iam_token);

/* Time allowed to open a connection, and for a whole request (connect, send,
 * answer) in milliseconds. Both must be at least 1 and connect_ms at most
 * total_ms. Defaults: 10000 and 30000. Retries, when they happen, each get
 * this time again. */
dcs_status dcs_config_set_timeouts(dcs_config *cfg, uint32_t connect_ms, uint32_t total_ms);

/* How many times a request is tried again when it certainly was not applied:
 * the connection never opened, or the gateway answered 429 or 503 (its
 * Retry-After is honoured). Exponential backoff with jitter in between.
 * At most 10; default 2; 0 turns retries off. A request that may have
 * reached the service (timeout or reset after sending, other 5xx) is never
 * sent again. */
dcs_status dcs_config_set_max_retries(dcs_config *cfg, uint32_t retries);

/* A PEM file of CA certificates to verify the service's certificate with,
 * instead of the system's store. NULL goes back to the system's store.
 * dcs_client_new checks that it is a regular file that can be read
 * (DCS_ECONFIG otherwise). */
dcs_status dcs_config_set_ca_file(dcs_config *cfg, const char *pem_path);

/* The proxy for requests to an endpoint that is not on loopback (see the
 * conventions at the top): "scheme://[user[:password]@]host[:port]" with
 * scheme http, https, socks4, socks4a, socks5 or socks5h; "" for no proxy at
 * all, whatever the environment says; NULL (the default) for the proxy the
 * environment names. The password never appears in a message. */
dcs_status dcs_config_set_proxy(dcs_config *cfg, const char *proxy_url);

/* Non-zero turns TLS certificate and host name verification off and allows
 * http:// to any host. For tests only: an attacker on the path can then read
 * and change requests. Off by default. */
dcs_status dcs_config_set_insecure(dcs_config *cfg, int skip_tls_verify);

/* The message of the last call on cfg that did not return DCS_OK (a setter
 * or dcs_config_from_env), naming the argument or variable; "" when the last
 * call succeeded, and for a NULL cfg. Lives until the next call on cfg. */
const char *dcs_config_error(const dcs_config *cfg);

/* Retries a request the service refused because an instance is busy (400
 * with one of the codes Terraform's provider retries for this service:
 * DCS.4026 "state does not allow it", DCS.4049 "not running", DCS.4096
 * backup, DCS.4097 restore, DCS.4111 restart, DCS.4113 resize, DCS.4114
 * configuration change, DCS.4115 password change, DCS.4116 upgrade, DCS.4117
 * rollback, DCS.4118 creation, DCS.4120 freeze, DCS.4121 password reset,
 * DCS.4975 creating or restarting, CBC.99003651 "another operation"; or
 * DCS.4017 "a task is running"; the DCS codes also in their 9-digit forms,
 * 111400049 for DCS.4049) until it is accepted or max_wait_ms has
 * been spent waiting, with a growing pause (1 s, 1 s, 2 s, 4 s ... 10 s). Such a
 * request was refused, so it was not applied: sending it again is safe. 0
 * (the default) turns this off: the refusal is reported at once, DCS_EAPI.
 * Not counted in dcs_config_set_max_retries. When the wait would run past
 * the time left (max_wait_ms, or a call's deadline_ms), the last refusal is
 * reported, DCS_EAPI with DCS_OUTCOME_FAILED. */
dcs_status dcs_config_set_busy_retry(dcs_config *cfg, uint32_t max_wait_ms);

/* How much a log line matters. Values are fixed. */
typedef enum dcs_log_level {
    DCS_LOG_DEBUG = 0,  /* each request about to be sent; each status poll */
    DCS_LOG_INFO  = 1,  /* each answer: HTTP status, milliseconds, X-Request-Id; an instance done waiting */
    DCS_LOG_WARN  = 2,  /* a retry and its reason; a clock correction; a transfer without answer */
    DCS_LOG_ERROR = 3   /* a request of a batch failed and the rest is not sent; a wait stopped */
} dcs_log_level;

/* "debug", "info", "warn", "error"; "invalid" for another value. Static. */
const char *dcs_log_level_name(dcs_log_level level);

/* A log function: `message` is one line without newline, valid only during
 * the call; `user` is the pointer given to dcs_config_set_log. It is called
 * on the thread making the call, so from several threads at once when the
 * client is shared: it must be thread-safe, return quickly, and not call
 * back into the client. */
typedef void (*dcs_log_fn)(dcs_log_level level, const char *message, void *user);

/* Sends the client's log lines from min_level up to fn (NULL: no logging,
 * the default). fn and user must stay valid until dcs_config_free of cfg and
 * dcs_client_free of every client made from it. Lines name requests by method and path, chunk ("request 2
 * of 3"), action and id count, answers by HTTP status, time and request id;
 * never a header, a body, a credential or a signature (every line also passes
 * the same redaction as error messages). DCS_EINVAL for an unknown level. */
dcs_status dcs_config_set_log(dcs_config *cfg, dcs_log_level min_level, dcs_log_fn fn, void *user);

/* Reads the environment, then Huawei's credentials file:
 *   HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (both or neither),
 *   HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT,
 *   DCS_PROXY (as dcs_config_set_proxy; the standard proxy variables are
 *   read by libcurl at each request, not here), DCS_REGION; then, when no endpoint is set and a region is known,
 *   HUAWEICLOUD_SDK_REGION_DCS_{REGION} (the region upper-cased, '-' as '_',
 *   e.g. HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4) as the endpoint, as Huawei's
 *   SDKs honour it;
 *   then the file named by HUAWEICLOUD_SDK_CREDENTIALS_FILE, or else
 *   $HOME/.huaweicloud/credentials if it exists: its [basic] section's ak,
 *   sk, security_token and project_id fill what is still unset (the
 *   environment and earlier setters win).
 * A variable that is unset or empty leaves its setting alone; one that is set
 * applies as its setter would. Returns DCS_ECONFIG, naming the variable or
 * file, when a value is malformed, only one of AK and SK is set, or the file
 * named by HUAWEICLOUD_SDK_CREDENTIALS_FILE cannot be read, or either file is
 * there but is not a regular file; settings read
 * before the bad one stay applied. Nothing is ever written, to the home
 * directory or anywhere. */
dcs_status dcs_config_from_env(dcs_config *cfg);

/* ------------------------------------------------------------------------
 * Client
 * ------------------------------------------------------------------------ */

/* Makes a client from a complete config. On success *out is a new client
 * (free it with dcs_client_free) and DCS_OK is returned; otherwise *out is
 * NULL and the status is DCS_EINVAL (cfg or out is NULL) or DCS_ECONFIG (a
 * setting is missing or the settings do not fit together; the message says
 * which). Nothing is sent over the network here.
 *
 * A client is thread-safe: any number of threads may make calls on it at
 * once; each call runs on its own connection, and connections are kept open
 * and reused between calls. */
dcs_status dcs_client_new(const dcs_config *cfg, dcs_client **out, dcs_error **err);

/* Frees a client and closes its connections. NULL is a no-op. No call on it
 * may be running or start afterwards. Results and errors it handed out stay
 * valid. */
void dcs_client_free(dcs_client *client);

/* ------------------------------------------------------------------------
 * Operations
 *
 * dcs_restart (force restart of the instance), dcs_soft_restart (restart of
 * the Redis process only) and dcs_flush (delete all data: cannot be undone;
 * Redis 4.0 and later) act on `count` instance ids.
 *
 * Arguments: client, instance_ids and out must not be NULL; count must be
 * 1 to DCS_MAX_IDS_PER_CALL; each id must be non-empty, at most
 * DCS_MAX_ID_BYTES bytes, valid UTF-8 without control characters, neither
 * "." nor ".." (a URL path reads them as steps), and appear once. Ids are
 * compared as bytes, everywhere: two spellings of one text (NFC and NFD) are
 * two ids. Anything else returns DCS_EINVAL naming the argument
 * ("instance_ids[3] ..."), with *out NULL and nothing sent.
 *
 * Batching: ids are sent in requests of at most DCS_MAX_IDS_PER_REQUEST, in
 * order. When one request fails (a negative status), later requests are not
 * sent: their ids are DCS_OUTCOME_NOT_SENT, the failed request's ids get the
 * outcome its failure implies, earlier requests' ids keep theirs, and the
 * call's status is that failure's.
 *
 * Results: whenever the call got as far as sending, *out is set to a new
 * dcs_results with exactly one entry per input id, in input order, also
 * when the status is an error; free it with dcs_results_free.
 *
 * Status: DCS_OK when every instance reported success; DCS_EPARTIAL when
 * every request was answered but some instances failed (*err then holds a
 * summary and the request id of the first such answer); a negative status
 * for the first failed request (see dcs_status).
 *
 * Never twice: a request that may have reached the service (a timeout or a
 * connection reset after sending, a 5xx answer other than 503, an unreadable
 * answer) is not sent again, neither by the library nor by libcurl; its
 * instances get DCS_OUTCOME_UNKNOWN. Only requests that certainly were not
 * applied are retried (see dcs_config_set_max_retries), and when they are
 * refused to the end (429, 503, a busy refusal) their instances are
 * DCS_OUTCOME_FAILED: not applied.
 *
 * Answers: a 200 that lists an instance more than once (with the same result
 * or not) does not say what happened to it: DCS_OUTCOME_UNKNOWN, and the
 * call's status is DCS_EPROTOCOL, as for one it leaves out. Ids in an answer
 * that were not asked for change nothing; they are logged (DCS_LOG_WARN).
 * An answer whose headers pass 64 KiB, or whose body passes 1 MiB, is
 * refused: DCS_EPROTOCOL, its instances DCS_OUTCOME_UNKNOWN. A deadline
 * (dcs_call_options.deadline_ms) that runs out while a connection is being
 * opened is DCS_ETIMEOUT, its instances DCS_OUTCOME_NOT_SENT.
 * ------------------------------------------------------------------------ */

dcs_status dcs_restart(dcs_client *client, const char *const *instance_ids, size_t count,
                       dcs_results **out, dcs_error **err);

dcs_status dcs_soft_restart(dcs_client *client, const char *const *instance_ids, size_t count,
                            dcs_results **out, dcs_error **err);

dcs_status dcs_flush(dcs_client *client, const char *const *instance_ids, size_t count,
                     dcs_results **out, dcs_error **err);

/* Checks instance ids exactly as the operations above check them (count,
 * and each id's form; "instance_ids[3] ..." in the message), sending
 * nothing and needing no client: DCS_OK when an operation would accept
 * them, else DCS_EINVAL with *err naming the first id at fault. For
 * programs that want to refuse bad ids before they build a client, or
 * without one (a dry run). */
dcs_status dcs_check_instance_ids(const char *const *instance_ids, size_t count, dcs_error **err);

/* The three actions, for dcs_call. Values are fixed; new ones are only ever
 * appended. */
typedef enum dcs_action {
    DCS_ACTION_RESTART      = 0,
    DCS_ACTION_SOFT_RESTART = 1,
    DCS_ACTION_FLUSH        = 2
} dcs_action;

/* What a progress callback is told about (dcs_call_options.progress). Values are fixed; new
 * ones are only ever appended: a callback ignores events it does not know. */
typedef enum dcs_progress_event {
    DCS_PROGRESS_WAVE_START    = 0,  /* wave `wave` is about to be sent: its ids move from
                                        `not_started` to `in_progress` */
    DCS_PROGRESS_INSTANCE_DONE = 1,  /* the outcome of `instance_id` is final (`outcome`) */
    DCS_PROGRESS_WAVE_DONE     = 2,  /* wave `wave` is over: every id of it is done */
    DCS_PROGRESS_FINISHED      = 3   /* the call is over: the last call of the callback, its counts
                                        those of the results (nothing in progress or not started) */
} dcs_progress_event;

/* The state of a call, as a progress callback sees it. At every call:
 *   total == done + in_progress + not_started, and
 *   done  == succeeded + failed + unknown + not_sent,
 * where succeeded, failed, unknown and not_sent count the ids whose outcome is final
 * (DCS_OUTCOME_SUCCESS, _FAILED, _UNKNOWN, _NOT_SENT). Lives only during the callback. */
typedef struct dcs_progress {
    dcs_progress_event event;
    size_t wave;           /* 1 to waves: the wave concerned (the last one started, for FINISHED) */
    size_t waves;          /* the number of waves the call was planned in */
    size_t total;          /* the number of ids of the call */
    size_t done;
    size_t succeeded;
    size_t failed;
    size_t unknown;
    size_t not_sent;
    size_t in_progress;    /* ids of the current wave whose outcome is not final yet */
    size_t not_started;    /* ids of later waves, not sent yet */
    /* DCS_PROGRESS_INSTANCE_DONE: the id concerned, its position among the call's ids, and its
     * outcome; otherwise NULL, 0 and DCS_OUTCOME_NOT_SENT. */
    const char *instance_id;
    size_t index;
    dcs_outcome outcome;
} dcs_progress;

/* A progress callback: called on the thread making the call, as each wave starts, as each id's
 * outcome becomes final, as each wave ends, and once when the call is over. Ids of waves that
 * never start (after the gate, a cancel or the deadline) get no DCS_PROGRESS_INSTANCE_DONE each:
 * they are counted in not_sent from then on. It must return quickly and must not call back into
 * the client; to stop the call, trigger its cancel token. */
typedef void (*dcs_progress_fn)(const dcs_progress *progress, void *user);

/* Settings of one call. The struct only ever grows at its end; `version`
 * tells the library which fields the caller's copy has. Start from
 * DCS_CALL_OPTIONS_INIT so that fields you do not set keep their default. */
typedef struct dcs_call_options {
    unsigned int version;  /* DCS_CALL_OPTIONS_VERSION (1 for callers built before `cancel`, 2 before
                              `wave_size`) */
    /* 0: no bound beyond the client's timeouts. Otherwise the whole call ends
     * within about this many milliseconds, retries and their waits included:
     * each request gets at most the time left (a request cut short is
     * DCS_ETIMEOUT and DCS_OUTCOME_UNKNOWN once sent), a retry that would
     * start after it is not made, and a request that would start after it is
     * not sent (DCS_OUTCOME_NOT_SENT, DCS_ETIMEOUT). A Go context's deadline
     * or a Python timeout maps to this. */
    uint32_t deadline_ms;
    /* Version 2. NULL: not cancellable. Otherwise triggering it from another
     * thread ends the call within about 50 ms: DCS_ECANCELED, a request in
     * flight DCS_OUTCOME_UNKNOWN (it was sent), a request waiting to be sent
     * again the outcome of its last attempt (FAILED after a 429, a 503 or a
     * busy refusal, NOT_SENT after a refused connection), the rest
     * DCS_OUTCOME_NOT_SENT. The token must outlive the call. */
    dcs_cancel *cancel;
    /* Version 2. 0: return when the service has answered. Otherwise, then
     * wait up to this many milliseconds (within deadline_ms, if set) for the
     * instances the service acted on (DCS_OUTCOME_SUCCESS) to be RUNNING
     * again, exactly as dcs_wait_running does: their outcome becomes the
     * wait's (SUCCESS: running again; FAILED: ERROR, FROZEN...; UNKNOWN: not
     * RUNNING in time). The call's status is the action's when it failed,
     * else the wait's when it failed (DCS_ETIMEOUT...), else DCS_EPARTIAL when
     * any instance did not end RUNNING, else DCS_OK. For restarts; harmless
     * for flush. */
    uint32_t wait_running_ms;
    /* Version 3: rolling operations. 0: one wave of every id (as before). Otherwise the ids are
     * taken in input order, wave_size at a time: each wave is sent (in requests of at most
     * DCS_MAX_IDS_PER_REQUEST), then, when wait_running_ms is set, waited on until its instances
     * are RUNNING (wait_running_ms bounds each wave's wait; deadline_ms the whole call), then
     * wave_pause_ms pass, then the next wave starts. Without wait_running_ms a wave is judged by
     * the service's answers alone.
     *
     * The health gate: after a wave in which any instance did not end RUNNING (FAILED, UNKNOWN, or
     * not RUNNING in time), later waves are not sent (DCS_OUTCOME_NOT_SENT) and the status is
     * DCS_ESTOPPED, its message naming the wave and the instances at fault. The last wave has no
     * later one to stop: its failures give the status a call without waves gives (DCS_EPARTIAL,
     * or DCS_ETIMEOUT for instances not RUNNING in time). With keep_going non-zero the call goes
     * on past such waves instead, and ends DCS_EPARTIAL when any instance did not end RUNNING.
     *
     * A wave whose requests fail (a negative status of the action: transport, refusal, protocol)
     * ends the call with that status whatever keep_going says, as do the deadline (DCS_ETIMEOUT)
     * and the cancel token (DCS_ECANCELED), during a wave, a pause or between two waves (a wave
     * does not start once either has ended the call): what was sent keeps its outcome, the rest
     * is DCS_OUTCOME_NOT_SENT. The results hold one entry per input id, in input order, whatever
     * happened. More than DCS_MAX_IDS_PER_CALL is DCS_EINVAL. */
    size_t wave_size;
    uint32_t wave_pause_ms;  /* Version 3. The pause between two waves; ignored without wave_size. */
    int keep_going;          /* Version 3. Non-zero: do not stop after a wave with failures. */
    /* Version 3. NULL: no progress reports. Otherwise called with progress_user as described at
     * dcs_progress_fn, for any call (a call without wave_size is one wave); both must stay valid
     * until the call returns. */
    dcs_progress_fn progress;
    void *progress_user;
} dcs_call_options;

#define DCS_CALL_OPTIONS_VERSION 3
#define DCS_CALL_OPTIONS_INIT { DCS_CALL_OPTIONS_VERSION, 0, NULL, 0, 0, 0, 0, NULL, NULL }

/* Fills *options with the defaults, for callers that cannot use the macro
 * (cgo, ctypes). `size` is sizeof(dcs_call_options) as the caller knows it:
 * the library writes no byte past it, fills the fields that fit, and sets
 * version to the newest version whose fields all fit. NULL, or a size too
 * small for version 1: nothing is written. */
void dcs_call_options_init(dcs_call_options *options, size_t size);

/* The general form of the three calls above, with per-call options: exactly
 * as dcs_restart, dcs_soft_restart or dcs_flush for `action`, with
 * `options` NULL meaning the defaults. DCS_EINVAL for an action or an options
 * version this library does not know. */
dcs_status dcs_call(dcs_client *client, dcs_action action, const char *const *instance_ids, size_t count,
                    const dcs_call_options *options, dcs_results **out, dcs_error **err);

/* ------------------------------------------------------------------------
 * Cancellation
 * ------------------------------------------------------------------------ */

/* A new cancel token, not triggered; NULL only when out of memory. Give it to
 * calls through dcs_call_options.cancel; one token may serve several calls. */
dcs_cancel *dcs_cancel_new(void);

/* Triggers the token: every call using it ends promptly (see
 * dcs_call_options.cancel), and calls started later with it end at once,
 * sending nothing. Any thread, any time, any number of times. NULL: no-op. */
void dcs_cancel_trigger(dcs_cancel *cancel);

/* 1 once triggered, else 0 (also for NULL). */
int dcs_cancel_is_triggered(const dcs_cancel *cancel);

/* Frees a token. No call may still be using it. NULL is a no-op. */
void dcs_cancel_free(dcs_cancel *cancel);

/* ------------------------------------------------------------------------
 * Instance status and waiting for RUNNING
 *
 * A restart is asynchronous: the call answers while the instance is still
 * RESTARTING. These read the status that GET /v2/{project_id}/instances/{id}
 * reports, and wait for instances to serve again.
 * ------------------------------------------------------------------------ */

/* An instance's status. Values are fixed; new ones are only ever appended. */
typedef enum dcs_instance_status {
    DCS_INSTANCE_OTHER        = 0,  /* a status this version does not know */
    DCS_INSTANCE_CREATING     = 1,
    DCS_INSTANCE_CREATEFAILED = 2,
    DCS_INSTANCE_RUNNING      = 3,  /* the only status that serves traffic */
    DCS_INSTANCE_ERROR        = 4,
    DCS_INSTANCE_RESTARTING   = 5,
    DCS_INSTANCE_FROZEN       = 6,
    DCS_INSTANCE_EXTENDING    = 7,
    DCS_INSTANCE_RESTORING    = 8,
    DCS_INSTANCE_FLUSHING     = 9   /* its data being cleared (a flush under way) */
} dcs_instance_status;

/* The service's name of a status: "RUNNING", "RESTARTING"...; "OTHER" for
 * DCS_INSTANCE_OTHER and unknown values. Static. */
const char *dcs_instance_status_name(dcs_instance_status status);

/* The current status of one instance. On DCS_OK, *out is set; otherwise *out
 * is DCS_INSTANCE_OTHER and *err says why (an unknown instance is DCS_EAPI,
 * HTTP 404, DCS.3022). instance_id follows the rules of the operations. */
dcs_status dcs_get_instance_status(dcs_client *client, const char *instance_id, dcs_instance_status *out,
                                   dcs_error **err);

/* dcs_get_instance_status with call options: their deadline_ms bounds the
 * query and their cancel token ends it (DCS_ECANCELED); wait_running_ms is
 * ignored. options NULL: as dcs_get_instance_status. */
dcs_status dcs_get_instance_status_with(dcs_client *client, const char *instance_id,
                                        const dcs_call_options *options, dcs_instance_status *out,
                                        dcs_error **err);

/* Waits until each instance reports RUNNING twice in a row (its outcome:
 * DCS_OUTCOME_SUCCESS), or ERROR, FROZEN or CREATEFAILED, or does not exist
 * (DCS_OUTCOME_FAILED), or timeout_ms passes or the wait is cancelled
 * (DCS_OUTCOME_UNKNOWN: not known to run yet; a wait changes nothing, so
 * there is no "not sent" here). It asks one instance at a time, round after round, pausing
 * between rounds (250 ms growing to 2 s). Polls that meet a transient failure
 * (a timeout, a 5xx, a reset) are tried again next round; a refusal no poll
 * can change (400, 401, 403) ends the wait with DCS_EAPI.
 *
 * Arguments as for the operations, plus timeout_ms (at least 1). *out gets
 * one entry per id in order, also on error. Status: DCS_OK when all run;
 * DCS_EPARTIAL when the others failed (*err lists them with their status);
 * DCS_ETIMEOUT when some were still not RUNNING (*err lists them); DCS_EAPI,
 * DCS_ECANCELED as above. Nothing is sent that changes an instance.
 *
 * To restart and then wait in one call, give dcs_call
 * dcs_call_options.wait_running_ms. */
dcs_status dcs_wait_running(dcs_client *client, const char *const *instance_ids, size_t count,
                            uint32_t timeout_ms, dcs_results **out, dcs_error **err);

/* dcs_wait_running with call options: their cancel token ends the wait
 * (DCS_ECANCELED); their deadline_ms, when shorter, replaces timeout_ms. */
dcs_status dcs_wait_running_with(dcs_client *client, const char *const *instance_ids, size_t count,
                                 uint32_t timeout_ms, const dcs_call_options *options,
                                 dcs_results **out, dcs_error **err);

/* ------------------------------------------------------------------------
 * Listing instances
 *
 * GET /v2/{project_id}/instances, followed page after page (1000 instances a
 * page) to the end, so that a fleet is found by name, status or tag.
 * ------------------------------------------------------------------------ */

/* Which instances a listing returns; every field left at its zero value selects all. The
 * struct only ever grows at its end; start from DCS_LIST_FILTER_INIT. */
typedef struct dcs_list_filter {
    unsigned int version;     /* DCS_LIST_FILTER_VERSION */
    const char *name;         /* NULL: any name. Otherwise instances whose name contains it (the
                                 service's fuzzy match), or is exactly it with name_exact */
    int name_exact;           /* non-zero: name must match exactly (DCS_EINVAL without a name) */
    const char *status;       /* NULL: any status. Otherwise the service's name of one
                                 ("RUNNING"; see dcs_instance_status_name): upper-case letters
                                 and '_' */
    const char *const *tags;  /* tag_count "key=value" strings: instances that carry all of them */
    size_t tag_count;
} dcs_list_filter;

#define DCS_LIST_FILTER_VERSION 1
#define DCS_LIST_FILTER_INIT { DCS_LIST_FILTER_VERSION, NULL, 0, NULL, NULL, 0 }

/* The longest listing accepted: past it (or a service that keeps sending full pages) the listing
 * is DCS_EPROTOCOL. */
#define DCS_MAX_LISTED_INSTANCES 100000

/* Lists the project's instances that `filter` selects (NULL: all), in the service's order, each
 * once: the pages are read until the service's count (instance_num) is reached or a page comes
 * back short; an instance a later page lists again (the fleet changed between two pages) is kept
 * once, where it came first. options (NULL: the defaults): deadline_ms bounds the whole listing
 * and cancel ends it; the rest is ignored. Each page is a GET, retried as status queries are.
 *
 * Arguments: a name of 1 to 255 bytes, valid UTF-8 without control characters; a status as
 * above; each tag "key=value" with a key of 1 to 128 bytes and a value of at most 255, neither
 * holding ',' '=' or a control character, valid UTF-8; at most 20 tags. Anything else is
 * DCS_EINVAL naming the field ("filter->tags[1] ..."), nothing sent.
 *
 * On DCS_OK, *out is a new list; free it with dcs_instance_list_free. On any other status *out is
 * NULL and *err says why: a listing is whole or not at all. */
dcs_status dcs_list_instances(dcs_client *client, const dcs_list_filter *filter,
                              const dcs_call_options *options, dcs_instance_list **out, dcs_error **err);

/* The number of instances in the list; 0 for NULL. */
size_t dcs_instance_list_count(const dcs_instance_list *list);

/* Fields of instance `index` (0 to count - 1), as the service gave them: its id, name, engine
 * ("Redis", "Memcached") and engine version ("6.0"); "" for a field the answer lacks, an index
 * out of range or a NULL list. Never NULL; they live as long as the list. */
const char *dcs_instance_list_id(const dcs_instance_list *list, size_t index);
const char *dcs_instance_list_name(const dcs_instance_list *list, size_t index);
const char *dcs_instance_list_engine(const dcs_instance_list *list, size_t index);
const char *dcs_instance_list_engine_version(const dcs_instance_list *list, size_t index);

/* The status of instance `index`: DCS_INSTANCE_OTHER for one this version does not name (then
 * dcs_instance_list_status_text says which), an index out of range or a NULL list. */
dcs_instance_status dcs_instance_list_status(const dcs_instance_list *list, size_t index);

/* The status of instance `index` as the service spelled it ("RUNNING", or a status this version
 * does not name); "" as for the fields above. */
const char *dcs_instance_list_status_text(const dcs_instance_list *list, size_t index);

/* Frees a list and its strings. NULL is a no-op. */
void dcs_instance_list_free(dcs_instance_list *list);

/* ------------------------------------------------------------------------
 * Results
 * ------------------------------------------------------------------------ */

/* The number of entries: the number of ids of the call. 0 for NULL. */
size_t dcs_results_count(const dcs_results *results);

/* Steps to the next entry: returns 1 and sets *instance_id and *outcome (each
 * may be NULL when not wanted), or returns 0 at the end (and for NULL
 * results). The id string lives as long as results. Entries come in the
 * order of the ids passed to the call. */
int dcs_results_next(dcs_results *results, const char **instance_id, dcs_outcome *outcome);

/* Entry `index` (0 to count - 1) without stepping: returns 1 and sets
 * *instance_id and *outcome (each may be NULL), or returns 0 when index is out
 * of range or results is NULL. For bindings that copy all entries at once. */
int dcs_results_at(const dcs_results *results, size_t index, const char **instance_id, dcs_outcome *outcome);

/* The X-Request-Id of the service's answer to the request that carried entry
 * `index`'s action (the id Huawei's support asks for), shared by the entries
 * of one request of at most DCS_MAX_IDS_PER_REQUEST; "" when no answer came
 * for it (DCS_OUTCOME_NOT_SENT, or UNKNOWN after a timeout or a reset), for
 * the entries of dcs_wait_running, which sends no action, for an index out of
 * range and for NULL results. With dcs_call_options.wait_running_ms, still
 * the action's answer. Lives as long as results; never NULL. */
const char *dcs_results_request_id(const dcs_results *results, size_t index);

/* Copies entries start to start + count - 1 into the caller's arrays, for bindings that read
 * every entry in one call: instance_ids[i], outcomes[i] and request_ids[i] are those of entry
 * start + i (as dcs_results_at and dcs_results_request_id give them); any of the three may be
 * NULL when not wanted. Returns how many entries were copied: count, or fewer at the end of the
 * results; 0 for NULL results or a start past the end. The strings live as long as results. */
size_t dcs_results_copy(const dcs_results *results, size_t start, size_t count, const char **instance_ids,
                        dcs_outcome *outcomes, const char **request_ids);

/* Starts the stepping over from the first entry. NULL is a no-op. */
void dcs_results_rewind(dcs_results *results);

/* Frees results and their strings. NULL is a no-op. */
void dcs_results_free(dcs_results *results);

/* ------------------------------------------------------------------------
 * Errors
 *
 * For a NULL err the accessors answer as for "no error": DCS_OK, 0, "",
 * "no error", "".
 * ------------------------------------------------------------------------ */

/* The status of the failed call (never DCS_OK for an error handed out). */
dcs_status dcs_error_status(const dcs_error *err);

/* The HTTP status of the service's answer; 0 when there was no HTTP answer. */
int dcs_error_http_status(const dcs_error *err);

/* The service's error code ("DCS.4065", "APIGW.0301"); "" when none. */
const char *dcs_error_code(const dcs_error *err);

/* What went wrong, in English, naming the argument, setting or answer
 * concerned. Never NULL or empty; never holds a secret. */
const char *dcs_error_message(const dcs_error *err);

/* The X-Request-Id of the answer, the id that Huawei's support asks for;
 * "" when there was no answer. */
const char *dcs_error_request_id(const dcs_error *err);

/* Frees an error and its strings. NULL is a no-op. */
void dcs_error_free(dcs_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DCS_H */
