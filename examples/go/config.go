package dcs

/*
#include <stdint.h>
#include <stdlib.h>
#include "dcs.h"

// dcsGoLog is exported by log.go.
extern void dcsGoLog(dcs_log_level level, char *message, uintptr_t handle);

// The log function given to the library; user is the cgo.Handle of the
// client's Logger.
static void dcs_go_log(dcs_log_level level, const char *message, void *user) {
	dcsGoLog(level, (char *)message, (uintptr_t)user);
}

static dcs_status dcs_go_set_log(dcs_config *cfg, dcs_log_level min_level, uintptr_t handle) {
	return dcs_config_set_log(cfg, min_level, dcs_go_log, (void *)handle);
}
*/
import "C"

import (
	"fmt"
	"math"
	"runtime/cgo"
	"strings"
	"time"
	"unsafe"
)

// Config holds a client's settings. Zero fields keep the library's defaults
// (or, with NewClientFromEnvWith, what the environment set).
type Config struct {
	Endpoint  string // "https://dcs.cn-north-4.myhuaweicloud.com"; wins over Region
	Region    string // "cn-north-4": the endpoint becomes https://dcs.{Region}.myhuaweicloud.com
	ProjectID string

	// AK/SK credentials, SecurityToken only with temporary ones; or an IAM
	// token in AuthToken. Not both.
	AK            string
	SK            string
	SecurityToken string
	AuthToken     string

	ConnectTimeout time.Duration // default DCS_DEFAULT_CONNECT_TIMEOUT_MS (10 s); rounded up to whole milliseconds
	Timeout        time.Duration // per request (connect, send, answer); default DCS_DEFAULT_TOTAL_TIMEOUT_MS (30 s)
	MaxRetries     *int          // nil: the library's default, DCS_DEFAULT_MAX_RETRIES (2); 0 turns retries off

	CAFile   string // PEM file of CA certificates instead of the system's store
	Insecure bool   // no TLS verification and http:// to any host: for tests only

	// Proxy, for an endpoint that is not on loopback (which is never
	// proxied): nil, the proxy the environment names (https_proxy,
	// all_proxy, no_proxy...); a pointer to "", none at all; else
	// "scheme://[user[:password]@]host[:port]" with scheme http, https,
	// socks4, socks4a, socks5 or socks5h. The password never shows in a
	// message (dcs_config_set_proxy).
	Proxy *string

	// BusyRetry: how long to keep sending again a request the service
	// refused because an instance is busy (400 DCS.4049 not running,
	// DCS.4111 restarting, DCS.4017 a task is running), pausing 1 s, 2 s, 4 s
	// ... 10 s in between. Such a request was not applied, so sending it again
	// is safe. 0 (the default): the refusal is reported at once, StatusAPI.
	// Rounded up to whole milliseconds.
	BusyRetry time.Duration

	// Logger receives the library's log lines from LogLevel up (the zero
	// LogLevel, LogDebug, passes every line); nil: no logging, and LogLevel
	// is not looked at. See Logger.
	Logger   Logger
	LogLevel LogLevel
}

const redacted = "[redacted]"

// The library's default timeouts (dcs.h), passed when only one is set.
const (
	defaultConnectTimeoutMs = C.DCS_DEFAULT_CONNECT_TIMEOUT_MS
	defaultTimeoutMs        = C.DCS_DEFAULT_TOTAL_TIMEOUT_MS
)

// String shows the settings with every secret (SK, SecurityToken, AuthToken)
// replaced, so that printing a Config never leaks one.
func (c Config) String() string {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return redacted
	}
	retries := "default"
	if c.MaxRetries != nil {
		retries = fmt.Sprint(*c.MaxRetries)
	}
	proxy := "environment"
	if c.Proxy != nil {
		// The URL may hold a password: only whether one is set shows.
		proxy = fmt.Sprintf("%q", redactedProxy(*c.Proxy))
	}
	logger := "nil"
	if c.Logger != nil {
		logger = "set"
	}
	return fmt.Sprintf("dcs.Config{Endpoint:%q Region:%q ProjectID:%q AK:%q SK:%q SecurityToken:%q AuthToken:%q "+
		"ConnectTimeout:%v Timeout:%v MaxRetries:%s CAFile:%q Insecure:%v Proxy:%s BusyRetry:%v Logger:%s LogLevel:%v}",
		c.Endpoint, c.Region, c.ProjectID, c.AK, hide(c.SK), hide(c.SecurityToken), hide(c.AuthToken),
		c.ConnectTimeout, c.Timeout, retries, c.CAFile, c.Insecure, proxy, c.BusyRetry, logger, c.LogLevel)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// NewClient makes a client from cfg alone; the environment is not read.
// Setting errors are *Error: StatusInvalid for a field of the wrong form
// (the message names the field), StatusConfig when the settings do not make
// a whole (no endpoint, no project id, no credentials, plain HTTP to a
// remote host, unreadable CAFile).
func NewClient(cfg Config) (*Client, error) {
	return newClient(false, cfg)
}

// NewClientFromEnv makes a client from the environment, then Huawei's
// credentials file, as the C examples do (dcs_config_from_env):
//
//   - HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (both or neither),
//     HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID,
//     DCS_ENDPOINT, DCS_REGION;
//   - when no endpoint is set and a region is known,
//     HUAWEICLOUD_SDK_REGION_DCS_{REGION} as the endpoint (the region
//     upper-cased, '-' as '_': HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4), as
//     Huawei's SDKs honour it;
//   - then the file HUAWEICLOUD_SDK_CREDENTIALS_FILE names, or else
//     $HOME/.huaweicloud/credentials if it exists: the ak, sk,
//     security_token and project_id of its [basic] section fill what is
//     still unset (the environment wins).
//
// An empty variable counts as unset. A malformed value, an AK without SK, or
// a named credentials file that cannot be read is a StatusConfig error
// naming the variable or file. Nothing is ever written.
func NewClientFromEnv() (*Client, error) {
	return newClient(true, Config{})
}

// NewClientFromEnvWith reads the environment, then applies the non-zero
// fields of overrides on top (AK/SK replace an IAM token and the other way
// round, as in the C setters).
func NewClientFromEnvWith(overrides Config) (*Client, error) {
	return newClient(true, overrides)
}

func newClient(fromEnv bool, cfg Config) (*Client, error) {
	ccfg := C.dcs_config_new()
	if ccfg == nil {
		return nil, &Error{Status: StatusNoMemory, Message: "out of memory"}
	}
	defer C.dcs_config_free(ccfg)
	if fromEnv {
		if st := C.dcs_config_from_env(ccfg); st != C.DCS_OK {
			return nil, &Error{Status: Status(st), Message: C.GoString(C.dcs_config_error(ccfg))}
		}
	}
	if err := apply(ccfg, cfg); err != nil {
		return nil, err
	}
	// The client keeps the log function and its user pointer: the handle
	// lives until the client is freed (Close or the finalizer).
	var logHandle cgo.Handle
	if cfg.Logger != nil {
		logHandle = cgo.NewHandle(cfg.Logger)
		liveLogHandles.Add(1)
		level := C.dcs_log_level(cEnumValue(int(cfg.LogLevel)))
		if st := C.dcs_go_set_log(ccfg, level, C.uintptr_t(logHandle)); st != C.DCS_OK {
			deleteLogHandle(logHandle)
			return nil, &Error{Status: Status(st), Message: "Config.LogLevel: " + C.GoString(C.dcs_config_error(ccfg))}
		}
	}
	var handle *C.dcs_client
	var cerr *C.dcs_error
	if st := C.dcs_client_new(ccfg, &handle, &cerr); st != C.DCS_OK {
		deleteLogHandle(logHandle)
		return nil, takeError(st, cerr)
	}
	return newClientFromHandle(handle, logHandle), nil
}

// deleteLogHandle deletes a Logger's handle; 0 is a no-op.
func deleteLogHandle(h cgo.Handle) {
	if h != 0 {
		h.Delete()
		liveLogHandles.Add(-1)
	}
}

// apply hands the non-zero fields of cfg to the C setters. A failed setter's
// message (dcs_config_error) gets the Go field's name in front.
func apply(ccfg *C.dcs_config, cfg Config) error {
	strs := []struct{ field, value string }{
		{"Endpoint", cfg.Endpoint}, {"Region", cfg.Region}, {"ProjectID", cfg.ProjectID},
		{"AK", cfg.AK}, {"SK", cfg.SK}, {"SecurityToken", cfg.SecurityToken},
		{"AuthToken", cfg.AuthToken}, {"CAFile", cfg.CAFile},
	}
	for _, s := range strs {
		// C strings end at a NUL: a value holding one would be cut short silently.
		if strings.IndexByte(s.value, 0) >= 0 {
			return &Error{Status: StatusInvalid, Message: "Config." + s.field + " holds a NUL byte"}
		}
	}
	if (cfg.AK != "" || cfg.SK != "" || cfg.SecurityToken != "") && cfg.AuthToken != "" {
		return &Error{Status: StatusInvalid, Message: "Config has both AK/SK credentials and an AuthToken: set one"}
	}

	// Each setter copies its strings, so they are freed right after it.
	set := func(field string, call func() C.dcs_status) error {
		if st := call(); st != C.DCS_OK {
			return &Error{Status: Status(st), Message: "Config." + field + ": " + C.GoString(C.dcs_config_error(ccfg))}
		}
		return nil
	}
	setString := func(field, value string, setter func(*C.dcs_config, *C.char) C.dcs_status) error {
		if value == "" {
			return nil
		}
		cs := C.CString(value)
		defer C.free(unsafe.Pointer(cs))
		return set(field, func() C.dcs_status { return setter(ccfg, cs) })
	}

	if err := setString("Endpoint", cfg.Endpoint, func(c *C.dcs_config, s *C.char) C.dcs_status {
		return C.dcs_config_set_endpoint(c, s)
	}); err != nil {
		return err
	}
	if err := setString("Region", cfg.Region, func(c *C.dcs_config, s *C.char) C.dcs_status {
		return C.dcs_config_set_region(c, s)
	}); err != nil {
		return err
	}
	if err := setString("ProjectID", cfg.ProjectID, func(c *C.dcs_config, s *C.char) C.dcs_status {
		return C.dcs_config_set_project_id(c, s)
	}); err != nil {
		return err
	}
	if cfg.AK != "" || cfg.SK != "" || cfg.SecurityToken != "" {
		ak, sk := C.CString(cfg.AK), C.CString(cfg.SK)
		defer C.free(unsafe.Pointer(ak))
		defer C.free(unsafe.Pointer(sk))
		var token *C.char // NULL: no security token
		if cfg.SecurityToken != "" {
			token = C.CString(cfg.SecurityToken)
			defer C.free(unsafe.Pointer(token))
		}
		if err := set("AK/SK", func() C.dcs_status { return C.dcs_config_set_credentials(ccfg, ak, sk, token) }); err != nil {
			return err
		}
	}
	if err := setString("AuthToken", cfg.AuthToken, func(c *C.dcs_config, s *C.char) C.dcs_status {
		return C.dcs_config_set_auth_token(c, s)
	}); err != nil {
		return err
	}
	if cfg.ConnectTimeout != 0 || cfg.Timeout != 0 {
		total, err := millis("Timeout", cfg.Timeout, defaultTimeoutMs)
		if err != nil {
			return err
		}
		// A Timeout shorter than the default connect timeout bounds that too.
		defaultConnect := uint32(defaultConnectTimeoutMs)
		if total < defaultConnect {
			defaultConnect = total
		}
		connect, err := millis("ConnectTimeout", cfg.ConnectTimeout, defaultConnect)
		if err != nil {
			return err
		}
		if err := set("ConnectTimeout/Timeout", func() C.dcs_status {
			return C.dcs_config_set_timeouts(ccfg, C.uint32_t(connect), C.uint32_t(total))
		}); err != nil {
			return err
		}
	}
	if cfg.MaxRetries != nil {
		n := *cfg.MaxRetries
		if n < 0 || int64(n) > math.MaxUint32 {
			return &Error{Status: StatusInvalid, Message: fmt.Sprintf("Config.MaxRetries %d is out of range", n)}
		}
		if err := set("MaxRetries", func() C.dcs_status { return C.dcs_config_set_max_retries(ccfg, C.uint32_t(n)) }); err != nil {
			return err
		}
	}
	if err := setString("CAFile", cfg.CAFile, func(c *C.dcs_config, s *C.char) C.dcs_status {
		return C.dcs_config_set_ca_file(c, s)
	}); err != nil {
		return err
	}
	if cfg.BusyRetry != 0 {
		if cfg.BusyRetry < 0 {
			return &Error{Status: StatusInvalid, Message: "Config.BusyRetry is negative"}
		}
		ms := (cfg.BusyRetry + time.Millisecond - 1) / time.Millisecond
		if ms > math.MaxUint32 {
			return &Error{Status: StatusInvalid, Message: "Config.BusyRetry is too long"}
		}
		if err := set("BusyRetry", func() C.dcs_status { return C.dcs_config_set_busy_retry(ccfg, C.uint32_t(ms)) }); err != nil {
			return err
		}
	}
	if cfg.Proxy != nil {
		cs := C.CString(*cfg.Proxy)
		defer C.free(unsafe.Pointer(cs))
		if err := set("Proxy", func() C.dcs_status { return C.dcs_config_set_proxy(ccfg, cs) }); err != nil {
			return err
		}
	}
	if cfg.Insecure {
		if err := set("Insecure", func() C.dcs_status { return C.dcs_config_set_insecure(ccfg, 1) }); err != nil {
			return err
		}
	}
	return nil
}

// millis converts a timeout to whole milliseconds, rounded up; 0 gives the
// library's default (which setting one timeout makes us pass explicitly).
func millis(field string, d time.Duration, defaultMs uint32) (uint32, error) {
	switch {
	case d == 0:
		return defaultMs, nil
	case d < 0:
		return 0, &Error{Status: StatusInvalid, Message: "Config." + field + " is negative"}
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		return 0, &Error{Status: StatusInvalid, Message: "Config." + field + " is too long"}
	}
	return uint32(ms), nil
}

// redactedProxy is a proxy URL with the password of its user information
// replaced, for Config.String.
func redactedProxy(url string) string {
	scheme := strings.Index(url, "://")
	at := strings.LastIndex(url, "@")
	if scheme < 0 || at < scheme {
		return url
	}
	userinfo := url[scheme+3 : at]
	if colon := strings.Index(userinfo, ":"); colon >= 0 {
		return url[:scheme+3] + userinfo[:colon] + ":" + redacted + url[at:]
	}
	return url
}
