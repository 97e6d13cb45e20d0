package dcs

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

// fleetAsListed is the emulator's fleet as a listing should show it, in its
// order, with its tags apart; selects (nil: all) picks instances.
func fleetAsListed(t *testing.T, e *emulator.Emulator, selects func(emulator.Instance) bool) []Instance {
	t.Helper()
	fleet, err := e.Instances()
	if err != nil {
		t.Fatal(err)
	}
	listed := []Instance{}
	for _, i := range fleet {
		if selects == nil || selects(i) {
			listed = append(listed, Instance{ID: i.ID, Name: i.Name, Status: statusNamed(i.Status), StatusText: i.Status,
				Engine: "Redis", EngineVersion: i.EngineVersion})
		}
	}
	return listed
}

func statusNamed(name string) InstanceStatus {
	for s := InstanceOther; s <= InstanceFlushing; s++ {
		if s.String() == name {
			return s
		}
	}
	return InstanceOther
}

// checkListed fails unless got is want, instance by instance, in order.
func checkListed(t *testing.T, what string, got, want []Instance) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil, expected %d instances", what, len(want))
		return
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d instances, expected %d", what, len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			t.Errorf("%s: instance %d is %+v, expected %+v", what, i, got[i], want[i])
			return
		}
	}
}

// listingQueries are the queries of the listing GETs the emulator recorded.
func listingQueries(t *testing.T, e *emulator.Emulator) []url.Values {
	t.Helper()
	requests, err := e.Requests()
	if err != nil {
		t.Fatal(err)
	}
	var queries []url.Values
	for _, r := range requests {
		if r.Method == "GET" && r.Path == "/v2/"+emulator.ProjectID+"/instances" {
			query, err := url.ParseQuery(r.Query)
			if err != nil {
				t.Fatalf("%q: %v", r.Query, err)
			}
			queries = append(queries, query)
		}
	}
	return queries
}

// 2,505 instances (the default fleet and 2,500 generated ones) in pages of
// 1,000: every one, once, in the service's order, in three GETs.
func TestListing2500InstancesInPages(t *testing.T) {
	e := startEmulator(t, "--generated-instances", "2500", "--record-requests")
	client := clientFor(t, e, nil)
	listed, err := client.ListInstances(ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	checkListed(t, "everything", listed, fleetAsListed(t, e, nil))
	seen := map[string]bool{}
	for _, i := range listed {
		if seen[i.ID] {
			t.Errorf("%s listed twice", i.ID)
		}
		seen[i.ID] = true
	}
	if len(seen) != 2505 {
		t.Errorf("%d different instances", len(seen))
	}
	var offsets []string
	for _, q := range listingQueries(t, e) {
		if q.Get("limit") != "1000" {
			t.Errorf("a page of %q", q.Get("limit"))
		}
		offsets = append(offsets, q.Get("offset"))
	}
	if strings.Join(offsets, " ") != "0 1000 2000" {
		t.Errorf("pages at offsets %v", offsets)
	}
	if s, err := e.Stats(); err != nil || s.ListGets != 3 || s.StatusPuts != 0 {
		t.Errorf("the emulator saw %+v (%v)", s, err)
	}

	// A page that fails fails the listing: whole or nothing.
	if err := e.Fault("status500", 1, 1, map[string]interface{}{"on": "list"}); err != nil {
		t.Fatal(err)
	}
	listed, err = client.ListInstances(ctx, ListFilter{})
	if e := dcsError(t, err, StatusAPI); listed != nil || e.HTTPStatus != 500 {
		t.Errorf("a failed second page: %d instances, %+v", len(listed), *e)
	}
}

func TestListFilters(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	if err := emu.SetInstanceStatus(emulator.Running4, "RESTARTING"); err != nil {
		t.Fatal(err)
	}
	tagged := func(tags map[string]string) func(emulator.Instance) bool {
		return func(i emulator.Instance) bool {
			for key, value := range tags {
				if got, ok := i.Tags[key]; !ok || got != value {
					return false
				}
			}
			return true
		}
	}
	both := func(a, b func(emulator.Instance) bool) func(emulator.Instance) bool {
		return func(i emulator.Instance) bool { return a(i) && b(i) }
	}
	named := func(part string) func(emulator.Instance) bool {
		return func(i emulator.Instance) bool { return strings.Contains(i.Name, part) }
	}
	sessionProd := map[string]string{"role": "session-cache", "env": "prod"}
	cases := []struct {
		what    string
		filter  ListFilter
		selects func(emulator.Instance) bool
		count   int // the size of the selection, so that no case passes for an empty one by mistake
	}{
		{"name contains", ListFilter{Name: "generated-001"}, named("generated-001"), 10},
		{"name exactly", ListFilter{Name: "cache-a", NameExact: true}, func(i emulator.Instance) bool { return i.Name == "cache-a" }, 1},
		{"a part of a name, exactly", ListFilter{Name: "cache", NameExact: true}, func(emulator.Instance) bool { return false }, 0},
		{"status", ListFilter{Status: "FROZEN"}, func(i emulator.Instance) bool { return i.Status == "FROZEN" }, 1},
		{"status set by the test", ListFilter{Status: "RESTARTING"}, func(i emulator.Instance) bool { return i.ID == emulator.Running4 }, 1},
		{"a status given", ListFilter{Status: "FROZEN", StatusGiven: true}, func(i emulator.Instance) bool { return i.Status == "FROZEN" }, 1},
		{"tags", ListFilter{Tags: sessionProd}, tagged(sessionProd), 22},
		{"tags and a name", ListFilter{Tags: sessionProd, Name: "cache-"}, both(tagged(sessionProd), named("cache-")), 2},
		{"tags and raw tags", ListFilter{Tags: map[string]string{"role": "queue"}, RawTags: []string{"env=test"}},
			tagged(map[string]string{"role": "queue", "env": "test"}), 40},
		{"nothing matches", ListFilter{Tags: map[string]string{"role": "nobody"}}, func(emulator.Instance) bool { return false }, 0},
	}
	for _, c := range cases {
		want := fleetAsListed(t, emu, c.selects)
		if len(want) != c.count {
			t.Fatalf("%s: the fleet holds %d such instances, expected %d", c.what, len(want), c.count)
		}
		listed, err := client.ListInstances(ctx, c.filter)
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		checkListed(t, c.what, listed, want)
	}
	if got, err := client.ListInstances(ctx, ListFilter{Status: "RESTARTING"}); err != nil || len(got) != 1 ||
		got[0].Status != InstanceRestarting || got[0].StatusText != "RESTARTING" {
		t.Errorf("the instance set RESTARTING: %+v, %v", got, err)
	}
}

// Tags go sorted by key, whatever order the map gives them in, so that one
// filter always makes one request.
func TestListFilterTagsAreSentSortedByKey(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	tags := map[string]string{"role": "queue", "env": "prod", "a": "1", "zone": "z", "m": "x"}
	for i := 0; i < 10; i++ {
		if _, err := client.ListInstances(ctx, ListFilter{Tags: tags, RawTags: []string{"b=2"}}); err != nil {
			t.Fatal(err)
		}
	}
	queries := listingQueries(t, emu)
	if len(queries) != 10 {
		t.Fatalf("%d listings recorded", len(queries))
	}
	for _, q := range queries {
		if got := q.Get("tags"); got != "a=1,env=prod,m=x,role=queue,zone=z,b=2" {
			t.Errorf("tags=%q", got)
		}
	}
}

// Bad values are refused, naming the field, and nothing is sent.
func TestBadFilterValuesAreRefusedNamingTheField(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	manyTags := map[string]string{}
	for i := 0; i < 21; i++ {
		manyTags[string(rune('a'+i))] = "x"
	}
	cases := []struct {
		filter  ListFilter
		message string
	}{
		{ListFilter{Name: strings.Repeat("n", 256)}, "filter->name is longer than 255 bytes"},
		{ListFilter{Name: "bad\nname"}, "filter->name holds a control character"},
		{ListFilter{Name: "bad\x00name"}, "filter->name holds a NUL byte"},
		{ListFilter{Name: "bad\xffname"}, "filter->name is not valid UTF-8"},
		{ListFilter{NameExact: true}, "filter->name_exact is set without a name"},
		{ListFilter{Status: "running"}, "filter->status"},
		{ListFilter{Status: "RUN\x00NING"}, "filter->status holds a NUL byte"},
		{ListFilter{StatusGiven: true}, "filter->status is empty"},
		{ListFilter{Tags: map[string]string{"": "x"}}, "filter->tags[0]"},
		{ListFilter{Tags: map[string]string{"a": "1", "b": "x,y"}}, "filter->tags[1]"},
		{ListFilter{Tags: map[string]string{"k=": "v"}}, "filter->tags[0]"},
		{ListFilter{Tags: map[string]string{"k": "v\x00"}}, "filter->tags[0] holds a NUL byte"},
		{ListFilter{Tags: map[string]string{"a": "1"}, RawTags: []string{"novalue"}}, "filter->tags[1] has no '='"},
		{ListFilter{Tags: manyTags}, "filter->tag_count"},
	}
	for _, c := range cases {
		listed, err := client.ListInstances(ctx, c.filter)
		var e *Error
		if !errors.As(err, &e) || e.Status != StatusInvalid || listed != nil || !strings.Contains(e.Message, c.message) {
			t.Errorf("%+v: %v, %v; expected StatusInvalid naming %q", c.filter, listed, err, c.message)
		}
	}
	if s := stats(t); s.APIRequests != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// ctx bounds a listing as it bounds the other calls; a closed or nil client
// is refused.
func TestListInstancesEndsWhenCtxEnds(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if listed, err := client.ListInstances(cancelled, ListFilter{}); listed != nil || !IsCancelled(err) ||
		!errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v, %v", listed, err)
	}
	if s := stats(t); s.APIRequests != 0 {
		t.Errorf("the emulator saw %+v", s)
	}

	fault(t, "delay", 2, 0, map[string]interface{}{"ms": 2000, "on": "list"})
	started := time.Now()
	listed, err := client.ListInstances(cancelAfter(t, 200*time.Millisecond), ListFilter{})
	if listed != nil {
		t.Errorf("a cancelled listing gave %d instances", len(listed))
	}
	checkCancelled(t, err, time.Since(started))

	bounded, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	started = time.Now()
	listed, err = client.ListInstances(bounded, ListFilter{})
	if elapsed := time.Since(started); elapsed > scaled(800*time.Millisecond) {
		t.Errorf("deadline: returned after %v", elapsed)
	}
	if listed != nil || !IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v, %v", listed, err)
	}

	client.Close()
	_, err = client.ListInstances(ctx, ListFilter{})
	checkClosedError(t, nil, err)
	var none *Client
	if _, err := none.ListInstances(ctx, ListFilter{}); !IsInvalid(err) {
		t.Errorf("nil client: %v", err)
	}
}
