package dcs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

var envVariables = []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
	"HUAWEICLOUD_SDK_PROJECT_ID", "DCS_ENDPOINT", "DCS_REGION", "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
	"HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4", "HOME"}

// setEnv gives dcs_config_from_env exactly these variables (an empty value
// counts as unset), for the length of the test (t.Setenv puts the old values
// back; os.Setenv reaches the C environment, which the library reads). HOME
// is an empty directory unless values name one, so that no
// ~/.huaweicloud/credentials of the machine is read.
func setEnv(t *testing.T, values map[string]string) {
	t.Helper()
	for _, name := range envVariables {
		value := values[name]
		if name == "HOME" && value == "" {
			value = t.TempDir()
		}
		t.Setenv(name, value)
	}
}

func emulatorEnv() map[string]string {
	return map[string]string{
		"DCS_ENDPOINT": emu.URL, "HUAWEICLOUD_SDK_AK": emulator.AK, "HUAWEICLOUD_SDK_SK": emulator.SK,
		"HUAWEICLOUD_SDK_PROJECT_ID": emulator.ProjectID,
	}
}

func TestNewClientChecksTheWholeConfig(t *testing.T) {
	cases := []struct {
		cfg     Config
		message string
	}{
		{Config{}, "no endpoint"},
		{Config{Region: "cn-north-4"}, "no project id"},
		{Config{Region: "cn-north-4", ProjectID: emulator.ProjectID}, "no credentials"},
		{Config{Endpoint: "http://dcs.example.com", ProjectID: emulator.ProjectID, AK: "AK", SK: "SK"}, "plain HTTP"},
		{Config{Region: "cn-north-4", ProjectID: emulator.ProjectID, AK: "AK", SK: "SK", CAFile: "/nonexistent/ca.pem"},
			"ca_file /nonexistent/ca.pem cannot be read"},
	}
	for _, c := range cases {
		client, err := NewClient(c.cfg)
		if client != nil {
			t.Errorf("%q: a client", c.message)
		}
		e := dcsError(t, err, StatusConfig)
		if !IsConfig(err) || !strings.Contains(e.Message, c.message) {
			t.Errorf("%q: error %+v", c.message, *e)
		}
	}
	// The same settings with the missing parts are a whole.
	for _, cfg := range []Config{
		{Region: "cn-north-4", ProjectID: emulator.ProjectID, AK: "AK", SK: "SK"},
		{Endpoint: "http://dcs.example.com", ProjectID: emulator.ProjectID, AK: "AK", SK: "SK", Insecure: true},
		{Region: "cn-north-4", ProjectID: emulator.ProjectID, AuthToken: "token"},
	} {
		client, err := NewClient(cfg)
		if err != nil {
			t.Errorf("%v: %v", cfg, err)
			continue
		}
		client.Close()
	}
}

func TestConfigFieldsAreCheckedAndNamed(t *testing.T) {
	fresh(t)
	tooMany, negative := 11, -1
	cases := []struct {
		adjust  func(*Config)
		message string
	}{
		{func(c *Config) { c.Endpoint = "ftp://host" }, "Config.Endpoint: url must start with https://"},
		{func(c *Config) { c.Endpoint = "https://host/v2/x" }, "Config.Endpoint: url holds a path"},
		{func(c *Config) { c.Region = "CN North" }, "Config.Region: region"},
		{func(c *Config) { c.ProjectID = "a/b" }, "Config.ProjectID: project_id"},
		{func(c *Config) { c.AK = "" }, "Config.AK/SK: ak is empty"},
		{func(c *Config) { c.SK = "s\nk" }, "Config.AK/SK: sk holds"},
		{func(c *Config) { c.SecurityToken = "to\r\nken" }, "Config.AK/SK: security_token holds"},
		{func(c *Config) { c.AK, c.SK, c.AuthToken = "", "", "a b" }, "Config.AuthToken: iam_token holds"},
		{func(c *Config) { c.AuthToken = "token" }, "both AK/SK credentials and an AuthToken"},
		{func(c *Config) { c.SK = "secret\x00value" }, "Config.SK holds a NUL byte"},
		{func(c *Config) { c.Endpoint = emu.URL + "\x00" }, "Config.Endpoint holds a NUL byte"},
		{func(c *Config) { c.ConnectTimeout, c.Timeout = 2*time.Second, time.Second }, "connect_ms must not exceed total_ms"},
		{func(c *Config) { c.Timeout = -time.Second }, "Config.Timeout is negative"},
		{func(c *Config) { c.MaxRetries = &tooMany }, "Config.MaxRetries: retries"},
		{func(c *Config) { c.MaxRetries = &negative }, "Config.MaxRetries -1 is out of range"},
		{func(c *Config) { c.CAFile = "a\x00b" }, "Config.CAFile holds a NUL byte"},
		{func(c *Config) { c.BusyRetry = -time.Second }, "Config.BusyRetry is negative"},
		{func(c *Config) { c.BusyRetry = 1 << 62 }, "Config.BusyRetry is too long"},
		{func(c *Config) { c.Logger, c.LogLevel = func(LogLevel, string) {}, 9 }, "Config.LogLevel: "},
		{func(c *Config) { c.Logger, c.LogLevel = func(LogLevel, string) {}, -1 }, "Config.LogLevel: "},
	}
	for _, c := range cases {
		cfg := testConfig()
		c.adjust(&cfg)
		client, err := NewClient(cfg)
		if client != nil {
			client.Close()
			t.Errorf("%q: a client", c.message)
			continue
		}
		e := dcsError(t, err, StatusInvalid)
		if !IsInvalid(err) || !strings.Contains(e.Message, c.message) {
			t.Errorf("%q: error %+v", c.message, *e)
		}
	}
	if s := stats(t); s.APIRequests != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestTimeoutsReachTheLibrary(t *testing.T) {
	fresh(t)
	// Timeout alone, shorter than the 10 s default connect timeout: accepted.
	client := testClient(t, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	fault(t, "delay", 1, 0, map[string]interface{}{"ms": 3000})
	started := time.Now()
	results, err := client.Restart(ctx, emulator.Running6)
	if elapsed := time.Since(started); elapsed > 1500*time.Millisecond {
		t.Errorf("returned after %v with a 300 ms timeout", elapsed)
	}
	checkResults(t, results, []string{emulator.Running6}, OutcomeUnknown)
	dcsError(t, err, StatusTimeout)
}

func TestNewClientFromEnv(t *testing.T) {
	fresh(t)
	setEnv(t, emulatorEnv())
	client, err := NewClientFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	results, err := client.Restart(ctx, emulator.Running6)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, []string{emulator.Running6}, OutcomeSuccess)
}

func TestNewClientFromEnvNamesTheVariable(t *testing.T) {
	env := emulatorEnv()
	env["HUAWEICLOUD_SDK_PROJECT_ID"] = "bad/project"
	setEnv(t, env)
	_, err := NewClientFromEnv()
	e := dcsError(t, err, StatusConfig)
	if !strings.Contains(e.Message, "HUAWEICLOUD_SDK_PROJECT_ID") || e.HTTPStatus != 0 || e.Code != "" || e.RequestID != "" {
		t.Errorf("error %+v", *e)
	}

	env = emulatorEnv()
	env["HUAWEICLOUD_SDK_SK"] = ""
	setEnv(t, env)
	_, err = NewClientFromEnv()
	e = dcsError(t, err, StatusConfig)
	if !strings.Contains(e.Message, "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not") {
		t.Errorf("error %+v", *e)
	}

	setEnv(t, nil)
	_, err = NewClientFromEnv()
	if e := dcsError(t, err, StatusConfig); !strings.Contains(e.Message, "no endpoint") {
		t.Errorf("error %+v", *e)
	}
}

func TestNewClientFromEnvWithOverrides(t *testing.T) {
	fresh(t)
	env := emulatorEnv()
	env["HUAWEICLOUD_SDK_SK"] = "not-the-secret-key"
	env["HUAWEICLOUD_SDK_PROJECT_ID"] = ""
	setEnv(t, env)
	// Without overrides: no project id.
	if _, err := NewClientFromEnv(); !IsConfig(err) {
		t.Fatalf("error %v, expected a config error", err)
	}
	// The overrides give the project id and the right SK; the endpoint stays the environment's.
	client, err := NewClientFromEnvWith(Config{ProjectID: emulator.ProjectID, AK: emulator.AK, SK: emulator.SK})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	// An IAM token in the overrides replaces the environment's AK/SK.
	tokenClient, err := NewClientFromEnvWith(Config{ProjectID: emulator.ProjectID, AuthToken: emulator.AuthToken})
	if err != nil {
		t.Fatal(err)
	}
	defer tokenClient.Close()
	if _, err := tokenClient.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	requests, err := emu.Requests()
	if err != nil || len(requests) != 2 {
		t.Fatalf("requests %v, %v", requests, err)
	}
	for _, h := range requests[1].Headers {
		if strings.EqualFold(h[0], "Authorization") {
			t.Errorf("the IAM token client signed with AK/SK: %v", h)
		}
	}
}

// No error the package hands out, and no printed Config, shows a secret:
// neither the right ones nor wrong ones the service refused.
func TestNoSecretInAnyErrorOrPrintedConfig(t *testing.T) {
	fresh(t)
	secrets := []string{emulator.SK, emulator.AuthToken, emulator.SecurityToken, "not-the-secret-key",
		"wrong-iam-token-value", "secret\x00value", "secret\x01value", "bad-security\ntoken", "proxy-password-9z"}
	var texts []string
	record := func(err error) {
		t.Helper()
		if err == nil {
			t.Errorf("expected an error")
			return
		}
		texts = append(texts, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
	}
	call := func(adjust func(*Config)) {
		t.Helper()
		client := testClient(t, adjust)
		_, err := client.Restart(ctx, emulator.Running6)
		record(err)
	}
	create := func(cfg Config) {
		t.Helper()
		_, err := NewClient(cfg)
		record(err)
		texts = append(texts, cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg))
	}

	call(func(c *Config) { c.SK = "not-the-secret-key" })
	call(func(c *Config) { c.SK, c.SecurityToken = "not-the-secret-key", emulator.SecurityToken })
	call(func(c *Config) { c.AK, c.SK, c.AuthToken = "", "", "wrong-iam-token-value" })
	fault(t, "status500", 1, 0, nil)
	call(nil)
	fault(t, "not_json", 1, 0, nil)
	call(nil)

	base := testConfig()
	for _, adjust := range []func(*Config){
		func(c *Config) { c.SK = "secret\x00value" },
		func(c *Config) { c.SK = "secret\x01value" },
		func(c *Config) { c.SecurityToken = "bad-security\ntoken" },
		func(c *Config) { c.AuthToken = emulator.AuthToken },                               // both kinds of credentials
		func(c *Config) { c.ProjectID, c.SecurityToken = "", emulator.SecurityToken },      // config error
		func(c *Config) { c.AK, c.SK, c.AuthToken, c.Endpoint = "", "", "a b", "ftp://x" }, // bad endpoint first
		func(c *Config) { p := "http://user:proxy-password-9z@bad host"; c.Proxy = &p },    // a bad proxy
	} {
		cfg := base
		adjust(&cfg)
		create(cfg)
	}
	env := emulatorEnv()
	env["HUAWEICLOUD_SDK_SK"] = "secret\x01value"
	setEnv(t, env)
	_, err := NewClientFromEnv()
	record(err)

	for _, text := range texts {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%q shows the secret %q", text, secret)
			}
		}
	}
	if len(texts) < 20 {
		t.Errorf("only %d texts checked", len(texts))
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%v is not an *Error", err)
	}
}

// credentialsFile writes Huawei's credentials file format: a section that
// must be ignored, then [basic] with values.
func credentialsFile(t *testing.T, path string, values map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	lines := []string{"# written by the test", "[other]", "ak = not-this-one", "[basic]"}
	for _, key := range []string{"ak", "sk", "security_token", "project_id"} {
		if value, ok := values[key]; ok {
			lines = append(lines, key+" = "+value)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var fileCredentials = map[string]string{"ak": emulator.AK, "sk": emulator.SK, "project_id": emulator.ProjectID}

// restartWithEnvClient makes a client with NewClientFromEnv and restarts one
// instance with it.
func restartWithEnvClient(t *testing.T) {
	t.Helper()
	client, err := NewClientFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
}

// dirState lists the files under dir with their modification times.
func dirState(t *testing.T, dir string) string {
	t.Helper()
	var state []string
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		state = append(state, fmt.Sprintf("%s %d %d", path, info.Size(), info.ModTime().UnixNano()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(state, "\n")
}

// Credentials and project from the file HUAWEICLOUD_SDK_CREDENTIALS_FILE
// names; only the endpoint in the environment.
func TestNewClientFromEnvReadsTheNamedCredentialsFile(t *testing.T) {
	fresh(t)
	named := credentialsFile(t, filepath.Join(t.TempDir(), "named"), fileCredentials)
	setEnv(t, map[string]string{"DCS_ENDPOINT": emu.URL, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": named})
	restartWithEnvClient(t)
	requests, err := emu.Requests()
	if err != nil || len(requests) != 1 {
		t.Fatalf("requests %v, %v", requests, err)
	}
	signed := false
	for _, h := range requests[0].Headers {
		signed = signed || strings.EqualFold(h[0], "Authorization") && strings.Contains(h[1], "Access="+emulator.AK)
	}
	if !signed {
		t.Errorf("not signed with the file's AK: %v", requests[0].Headers)
	}
}

// ~/.huaweicloud/credentials, and the region's endpoint override
// (HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4) instead of DCS_ENDPOINT; the home
// directory is only read.
func TestNewClientFromEnvReadsHomeCredentialsAndTheRegionOverride(t *testing.T) {
	fresh(t)
	home := t.TempDir()
	credentialsFile(t, filepath.Join(home, ".huaweicloud", "credentials"), fileCredentials)
	before := dirState(t, home)
	setEnv(t, map[string]string{"HOME": home, "DCS_REGION": "cn-north-4", "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4": emu.URL})
	restartWithEnvClient(t)
	if after := dirState(t, home); after != before {
		t.Errorf("the home directory changed:\n%s\nto\n%s", before, after)
	}
	// Without the override the region's endpoint is Huawei's: not the emulator.
	setEnv(t, map[string]string{"HOME": home, "DCS_REGION": "cn-north-4"})
	client, err := NewClientFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	client.Close()
	if s := stats(t); s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// The environment, and the overrides of NewClientFromEnvWith, win over the
// file.
func TestEnvironmentWinsOverTheCredentialsFile(t *testing.T) {
	fresh(t)
	wrong := credentialsFile(t, filepath.Join(t.TempDir(), "wrong"),
		map[string]string{"ak": "WRONGAK", "sk": "wrong-sk", "project_id": emulator.ProjectID})
	env := emulatorEnv()
	env["HUAWEICLOUD_SDK_CREDENTIALS_FILE"] = wrong
	setEnv(t, env)
	restartWithEnvClient(t)

	setEnv(t, map[string]string{"DCS_ENDPOINT": emu.URL, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": wrong})
	client, err := NewClientFromEnvWith(Config{AK: emulator.AK, SK: emulator.SK})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	if s := stats(t); s.StatusPuts != 2 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestCredentialsFileErrorsNameTheFileOrValue(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		path, message string
	}{
		{filepath.Join(dir, "absent"), "HUAWEICLOUD_SDK_CREDENTIALS_FILE"},
		{credentialsFile(t, filepath.Join(dir, "c1"), map[string]string{"ak": emulator.AK}), "ak and sk go together"},
		{credentialsFile(t, filepath.Join(dir, "c2"), map[string]string{"ak": emulator.AK, "sk": emulator.SK, "project_id": "a/b"}),
			"project_id"},
	}
	for _, c := range cases {
		setEnv(t, map[string]string{"DCS_ENDPOINT": emu.URL, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": c.path})
		client, err := NewClientFromEnv()
		if client != nil {
			client.Close()
		}
		if e := dcsError(t, err, StatusConfig); !strings.Contains(e.Message, c.message) || strings.Contains(e.Message, emulator.SK) {
			t.Errorf("%s: error %+v", c.path, *e)
		}
	}
}
