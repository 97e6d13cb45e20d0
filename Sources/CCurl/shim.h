#ifndef DCS_CCURL_SHIM_H
#define DCS_CCURL_SHIM_H

#include <curl/curl.h>

/* CURLOPT_PREREQFUNCTION (7.80.0) is how libdcs stops libcurl from sending a request twice. */
#if LIBCURL_VERSION_NUM < 0x075000
#error "libdcs needs libcurl 7.80.0 or later"
#endif

/* Swift cannot call C variadic functions, so each curl_easy_setopt and
 * curl_easy_getinfo shape the core uses gets a typed, non-variadic wrapper. */

static inline CURLcode dcs_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode dcs_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode dcs_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode dcs_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode dcs_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode dcs_curl_setopt_write_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode dcs_curl_setopt_header_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode dcs_curl_setopt_prereq_callback(CURL *handle, curl_prereq_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

/* The request body, copied by libcurl (which frees it), sent in one piece with the headers
 * when small. The size must be set before the copy, or libcurl takes strlen of the bytes. */
static inline CURLcode dcs_curl_setopt_body(CURL *handle, const void *bytes, curl_off_t size) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, size);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, bytes);
}

static inline CURLcode dcs_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode dcs_curl_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
