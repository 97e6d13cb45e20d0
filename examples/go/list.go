package dcs

/*
#include <stdlib.h>
#include "dcs.h"

static dcs_list_filter dcs_go_list_filter(void) {
	dcs_list_filter filter = DCS_LIST_FILTER_INIT;
	return filter;
}

// Every field of every instance in one cgo call: the caller's arrays hold
// count entries each.
static void dcs_go_instance_fields(const dcs_instance_list *list, size_t count, const char **ids,
                                   const char **names, const char **engines, const char **engine_versions,
                                   const char **status_texts, dcs_instance_status *statuses) {
	for (size_t i = 0; i < count; i++) {
		ids[i] = dcs_instance_list_id(list, i);
		names[i] = dcs_instance_list_name(list, i);
		engines[i] = dcs_instance_list_engine(list, i);
		engine_versions[i] = dcs_instance_list_engine_version(list, i);
		status_texts[i] = dcs_instance_list_status_text(list, i);
		statuses[i] = dcs_instance_list_status(list, i);
	}
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"unsafe"
)

// ListFilter selects the instances ListInstances returns; the zero value
// selects all. The library checks each field and refuses a bad one with
// StatusInvalid, nothing sent, naming it as C does: filter->name (Name),
// filter->status (Status), filter->tags[i] (the i-th tag: Tags in the order
// of their keys, then RawTags).
type ListFilter struct {
	// Name: "", any name; otherwise instances whose name contains it (the
	// service's match), or is exactly it with NameExact. 1 to 255 bytes of
	// UTF-8 without control characters.
	Name      string
	NameExact bool // NameExact without a Name is refused: it would select every instance

	// Status: "", any status; otherwise the service's name of one
	// ("RUNNING", "RESTARTING"; see InstanceStatus.String): upper-case
	// letters and '_'.
	Status string
	// StatusGiven passes Status to the library even when it is "" (which the
	// library refuses): for a program that hands its user's words over as
	// they are (dcsctl --status=).
	StatusGiven bool

	// Tags: instances that carry every one of them (key: 1 to 128 bytes,
	// value: at most 255, neither holding ',' or '='; at most 20 tags in
	// all). They are passed sorted by key, so that the same filter always
	// makes the same request.
	Tags map[string]string

	// RawTags are more tags as "key=value" text, passed as they are and in
	// their order, after Tags: for a program that takes tags from its user as
	// text (dcsctl --tag), so that the library checks them and its message
	// names a bad one by its place.
	RawTags []string
}

// Instance is one instance as a listing shows it.
type Instance struct {
	ID     string
	Name   string
	Status InstanceStatus // InstanceOther for a status the loaded library does not name: see StatusText
	// StatusText is the status as the service spelled it ("RUNNING"), also
	// one the loaded library does not name.
	StatusText    string
	Engine        string // "Redis", "Memcached"
	EngineVersion string // "6.0"
}

// ListInstances lists the project's instances that filter selects, in the
// service's order, each once (GET /v2/{project_id}/instances, read page after
// page of 1000 to the end). A listing is whole or not at all: on any error
// the slice is nil. An empty listing is an empty slice and no error.
//
// ctx bounds the listing as it bounds the other calls: its deadline is the
// whole listing's, and cancelling it ends the listing within about 50 ms
// (StatusCancelled, or StatusTimeout for a deadline, wrapping ctx.Err()); a
// ctx already done sends nothing.
func (c *Client) ListInstances(ctx context.Context, filter ListFilter) ([]Instance, error) {
	if c == nil {
		return nil, &Error{Status: StatusInvalid, Message: "client is nil"}
	}
	if ctx == nil {
		return nil, &Error{Status: StatusInvalid, Message: "ctx is nil"}
	}
	tags, err := filter.check()
	if err != nil {
		return nil, err
	}

	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, &Error{Status: StatusInvalid, Message: ErrClosed.Error(), cause: ErrClosed}
	}

	cfilter := C.dcs_go_list_filter()
	if filter.Name != "" {
		cfilter.name = C.CString(filter.Name)
		defer C.free(unsafe.Pointer(cfilter.name))
	}
	if filter.NameExact {
		cfilter.name_exact = 1
	}
	if filter.Status != "" || filter.StatusGiven {
		cfilter.status = C.CString(filter.Status)
		defer C.free(unsafe.Pointer(cfilter.status))
	}
	if len(tags) > 0 {
		array, free, copyErr := cStrings(tags)
		if copyErr != nil {
			return nil, copyErr
		}
		defer free()
		cfilter.tags, cfilter.tag_count = array, C.size_t(len(tags))
	}

	options, bounds, berr := boundCall(ctx, callSettings{}, 0)
	if berr != nil {
		return nil, berr
	}
	var list *C.dcs_instance_list
	var cerr *C.dcs_error
	status := C.dcs_list_instances(c.handle, &cfilter, &options, &list, &cerr)
	runtime.KeepAlive(c)
	bounds.release()
	if status != C.DCS_OK {
		C.dcs_instance_list_free(list) // NULL on error; freed should a library ever differ
		return nil, bounds.explain(ctx, takeError(status, cerr))
	}
	C.dcs_error_free(cerr)
	return takeInstances(list), nil
}

// check refuses what the library cannot be asked: NameExact without a Name
// (which the library ignores), and a NUL byte, which no C string can carry
// (the library refuses the other control characters). It returns the tags as
// the library takes them: "key=value", Tags sorted by key, then RawTags.
func (f ListFilter) check() ([]string, *Error) {
	if f.NameExact && f.Name == "" {
		return nil, &Error{Status: StatusInvalid, Message: "filter->name_exact is set without a name: it would select every instance"}
	}
	tags := f.tagTexts()
	fields := []struct{ name, value string }{{"filter->name", f.Name}, {"filter->status", f.Status}}
	for i, tag := range tags {
		fields = append(fields, struct{ name, value string }{fmt.Sprintf("filter->tags[%d]", i), tag})
	}
	for _, field := range fields {
		if strings.IndexByte(field.value, 0) >= 0 {
			return nil, &Error{Status: StatusInvalid, Message: field.name + " holds a NUL byte"}
		}
	}
	return tags, nil
}

func (f ListFilter) tagTexts() []string {
	keys := make([]string, 0, len(f.Tags))
	for key := range f.Tags {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	texts := make([]string, 0, len(keys)+len(f.RawTags))
	for _, key := range keys {
		// A key holding '=' makes a text the library refuses (a second '='):
		// no key=value text can carry it.
		texts = append(texts, key+"="+f.Tags[key])
	}
	return append(texts, f.RawTags...)
}

// takeInstances copies the list into Go and frees it.
func takeInstances(list *C.dcs_instance_list) []Instance {
	defer C.dcs_instance_list_free(list)
	count := int(C.dcs_instance_list_count(list))
	instances := make([]Instance, count)
	if count == 0 {
		return instances
	}
	// Go memory that holds no Go pointer, which C may fill with its own.
	ids, names := make([]*C.char, count), make([]*C.char, count)
	engines, versions := make([]*C.char, count), make([]*C.char, count)
	statusTexts, statuses := make([]*C.char, count), make([]C.dcs_instance_status, count)
	C.dcs_go_instance_fields(list, C.size_t(count), &ids[0], &names[0], &engines[0], &versions[0], &statusTexts[0],
		&statuses[0])
	for i := range instances {
		instances[i] = Instance{
			ID: C.GoString(ids[i]), Name: C.GoString(names[i]), Status: InstanceStatus(statuses[i]),
			StatusText: C.GoString(statusTexts[i]), Engine: C.GoString(engines[i]), EngineVersion: C.GoString(versions[i]),
		}
	}
	return instances
}
