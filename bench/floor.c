/*
 * floor: the cheapest client of PUT /v2/{project_id}/instances/status on libcurl, for the
 * benchmark to compare libdcs with. It sends what libdcs sends (the same JSON body, the same
 * signed headers Content-Type, Host, X-Project-Id, X-Sdk-Date and Authorization, "Expect:"
 * removed, HTTP/1.1), signing each request afresh with OpenSSL (SHA-256, HMAC-SHA256), over
 * one reused libcurl easy handle per thread. It checks the answer minimally: HTTP 200 and no
 * "failed" result. What it leaves out is what libdcs adds beyond the wire: argument checks,
 * batching, retries, outcome decoding, error reports.
 *
 *   floor seq N WARMUP ID...         WARMUP calls, then N calls measured
 *   floor threads T N WARMUP ID...   T threads, one handle each, N calls in all (N/T each)
 *   floor startup ID...              one call, then "first-answer MONOTONIC_NS" and exit
 *
 * Configuration from the environment, as libdcs's dcs_config_from_env reads it: DCS_ENDPOINT
 * (http://host:port), HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID.
 * The action is "flush" (DCS_BENCH_ACTION overrides it).
 *
 * seq and threads print one JSON line: calls, cpu_s (user + system of the measured part,
 * getrusage), wall_s, maxrss_kb (peak RSS, VmHWM).
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common.h"

static const char *endpoint, *ak, *sk, *project_id, *action;
static char host[256];
static char url[512];
static char **ids;
static int id_count;

/* The canonical request up to the X-Sdk-Date value: the same for every call. */
static char canonical_prefix[1024];
static size_t canonical_prefix_len;
static const char signed_headers[] = "content-type;host;x-project-id;x-sdk-date";

static EVP_MD *sha256;
static EVP_MAC *hmac;

/* What one thread keeps between calls. */
typedef struct {
    CURL *curl;
    EVP_MD_CTX *md;
    EVP_MAC_CTX *mac;
    char answer[16384];
    size_t answer_len;
    int answer_overflow;
} floor_client;

static void die(const char *what) {
    fprintf(stderr, "floor: %s\n", what);
    exit(2);
}

static const char *env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "floor: %s is not set\n", name);
        exit(2);
    }
    return value;
}

static void hex(const unsigned char *bytes, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(floor_client *c, const void *data, size_t len, char out[65]) {
    unsigned char digest[32];
    unsigned int digest_len = 0;
    if (!EVP_DigestInit_ex(c->md, sha256, NULL) || !EVP_DigestUpdate(c->md, data, len) ||
        !EVP_DigestFinal_ex(c->md, digest, &digest_len))
        die("SHA-256 failed");
    hex(digest, 32, out);
}

static size_t on_answer(char *data, size_t size, size_t count, void *userdata) {
    floor_client *c = userdata;
    size_t n = size * count;
    if (c->answer_len + n >= sizeof c->answer) {
        c->answer_overflow = 1;
        return n;
    }
    memcpy(c->answer + c->answer_len, data, n);
    c->answer_len += n;
    return n;
}

static void setup(void) {
    endpoint = env("DCS_ENDPOINT");
    ak = env("HUAWEICLOUD_SDK_AK");
    sk = env("HUAWEICLOUD_SDK_SK");
    project_id = env("HUAWEICLOUD_SDK_PROJECT_ID");
    action = getenv("DCS_BENCH_ACTION") ? getenv("DCS_BENCH_ACTION") : "flush";

    const char *authority = strstr(endpoint, "://");
    if (authority == NULL) die("DCS_ENDPOINT has no scheme");
    authority += 3;
    size_t host_len = strcspn(authority, "/");
    if (host_len == 0 || host_len >= sizeof host) die("DCS_ENDPOINT has no host");
    memcpy(host, authority, host_len);
    host[host_len] = '\0';
    snprintf(url, sizeof url, "%.*s/v2/%s/instances/status", (int)(authority - endpoint + host_len), endpoint,
             project_id);

    /* The project id is letters and digits here: its path segment needs no percent-encoding. */
    canonical_prefix_len = (size_t)snprintf(canonical_prefix, sizeof canonical_prefix,
        "PUT\n/v2/%s/instances/status/\n\ncontent-type:application/json\nhost:%s\nx-project-id:%s\nx-sdk-date:",
        project_id, host, project_id);

    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) die("curl_global_init failed");
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (sha256 == NULL || hmac == NULL) die("OpenSSL has no SHA256 or HMAC");
}

static void client_init(floor_client *c) {
    memset(c, 0, sizeof *c);
    c->curl = curl_easy_init();
    c->md = EVP_MD_CTX_new();
    c->mac = EVP_MAC_CTX_new(hmac);
    if (c->curl == NULL || c->md == NULL || c->mac == NULL) die("out of memory");
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (!EVP_MAC_CTX_set_params(c->mac, params)) die("HMAC-SHA256 unavailable");
    /* The options a careful client sets once: no signals (threads), HTTP/1.1, timeouts. */
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "dcs-floor/0.1");
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
}

static void client_free(floor_client *c) {
    curl_easy_cleanup(c->curl);
    EVP_MD_CTX_free(c->md);
    EVP_MAC_CTX_free(c->mac);
}

/* One signed request; returns 0 when the answer is a 200 without a failed instance. */
static int call(floor_client *c) {
    /* {"action":"flush","instances":["a","b"]}: the body libdcs sends. */
    char body[8192];
    size_t len = (size_t)snprintf(body, sizeof body, "{\"action\":\"%s\",\"instances\":[", action);
    for (int i = 0; i < id_count; i++) {
        size_t id_len = strlen(ids[i]);
        if (len + id_len + 8 >= sizeof body) die("too many ids");
        if (i > 0) body[len++] = ',';
        body[len++] = '"';
        memcpy(body + len, ids[i], id_len);
        len += id_len;
        body[len++] = '"';
    }
    body[len++] = ']';
    body[len++] = '}';
    body[len] = '\0';

    char date[32];
    time_t now = time(NULL);
    struct tm parts;
    gmtime_r(&now, &parts);
    strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &parts);

    char body_hash[65];
    sha256_hex(c, body, len, body_hash);
    char canonical[2048];
    memcpy(canonical, canonical_prefix, canonical_prefix_len);
    size_t canonical_len = canonical_prefix_len +
        (size_t)snprintf(canonical + canonical_prefix_len, sizeof canonical - canonical_prefix_len,
                         "%s\n\n%s\n%s", date, signed_headers, body_hash);
    char canonical_hash[65];
    sha256_hex(c, canonical, canonical_len, canonical_hash);

    char to_sign[160];
    int to_sign_len = snprintf(to_sign, sizeof to_sign, "SDK-HMAC-SHA256\n%s\n%s", date, canonical_hash);
    unsigned char mac[32];
    size_t mac_len = 0;
    if (!EVP_MAC_init(c->mac, (const unsigned char *)sk, strlen(sk), NULL) ||
        !EVP_MAC_update(c->mac, (const unsigned char *)to_sign, (size_t)to_sign_len) ||
        !EVP_MAC_final(c->mac, mac, &mac_len, sizeof mac))
        die("HMAC-SHA256 failed");
    char signature[65];
    hex(mac, 32, signature);

    char line_host[300], line_project[128], line_date[64], line_auth[512];
    snprintf(line_host, sizeof line_host, "Host: %s", host);
    snprintf(line_project, sizeof line_project, "X-Project-Id: %s", project_id);
    snprintf(line_date, sizeof line_date, "X-Sdk-Date: %s", date);
    snprintf(line_auth, sizeof line_auth, "Authorization: SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s",
             ak, signed_headers, signature);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, line_host);
    headers = curl_slist_append(headers, line_project);
    headers = curl_slist_append(headers, line_date);
    headers = curl_slist_append(headers, line_auth);
    headers = curl_slist_append(headers, "Expect:");
    if (headers == NULL) die("out of memory");

    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    c->answer_len = 0;
    c->answer_overflow = 0;
    CURLcode code = curl_easy_perform(c->curl);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
        fprintf(stderr, "floor: %s\n", curl_easy_strerror(code));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    c->answer[c->answer_len] = '\0';
    if (status != 200 || c->answer_overflow || strstr(c->answer, "\"failed\"") != NULL ||
        strstr(c->answer, "\"success\"") == NULL) {
        fprintf(stderr, "floor: unexpected answer %ld: %.200s\n", status, c->answer);
        return -1;
    }
    return 0;
}

static void calls(floor_client *c, long n) {
    for (long i = 0; i < n; i++)
        if (call(c) != 0) exit(1);
}

static void *thread_main(void *arg) {
    bench_thread_args *a = arg;
    floor_client c;
    client_init(&c);
    calls(&c, a->warmup);
    pthread_barrier_wait(a->ready);
    calls(&c, a->n);
    client_free(&c);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "startup") == 0) {
        setup();
        ids = argv + 2;
        id_count = argc - 2;
        floor_client c;
        client_init(&c);
        if (call(&c) != 0) return 1;
        print_first_answer();
        client_free(&c);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "seq") == 0) {
        long n = atol(argv[2]), warmup = atol(argv[3]);
        setup();
        ids = argv + 4;
        id_count = argc - 4;
        floor_client c;
        client_init(&c);
        calls(&c, warmup);
        bench_mark start = bench_now();
        calls(&c, n);
        bench_mark end = bench_now();
        print_result("floor", "seq", 1, n, start, end);
        client_free(&c);
        return 0;
    }
    if (argc >= 6 && strcmp(argv[1], "threads") == 0) {
        int threads = atoi(argv[2]);
        long n = atol(argv[3]), warmup = atol(argv[4]);
        if (threads < 1 || threads > BENCH_MAX_THREADS || n % threads != 0) die("threads: 1 to 64, N a multiple of T");
        setup();
        ids = argv + 5;
        id_count = argc - 5;
        bench_mark start, end;
        bench_run_threads(threads, n, warmup, thread_main, &start, &end);
        print_result("floor", "threads", threads, n, start, end);
        return 0;
    }
    fprintf(stderr, "usage: floor seq N WARMUP ID... | threads T N WARMUP ID... | startup ID...\n");
    return 2;
}
