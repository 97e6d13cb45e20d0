"""GET /v2/{project_id}/instances as dcs-emulator serves it: paging, filters, the entry's fields, the
fleet's names and tags; every request signed by Huawei's official signer (query string included)."""

import json
import time

import pytest

from emulator import TEST_PROJECT_ID, Emulator, EmulatorError
from test_emulator import (FROZEN_5, RUNNING_3, RUNNING_4, RUNNING_5, RUNNING_6, assert_refused, instance_path,
                           send, send_signed, sign)

LIST_PATH = f"/v2/{TEST_PROJECT_ID}/instances"
GENERATED = 2500
ENTRY_FIELDS = {"instance_id", "name", "engine", "engine_version", "status", "sub_status", "capacity", "ip", "port",
                "domain_name", "az_codes", "tags", "created_at"}


def generated_id(n):
    return f"emu-{n:04d}"


def listing(emu, *pairs, **query):
    """The 200 answer of a signed listing request: (instance_num, [entries])."""
    answer = send_signed(emu, "GET", LIST_PATH, query=[*pairs, *query.items()])
    assert answer.status == 200, answer.body
    document = answer.json()
    assert set(document) == {"instance_num", "instances"}
    return document["instance_num"], document["instances"]


def ids(entries):
    return [entry["instance_id"] for entry in entries]


def tags_of(entry):
    return {tag["key"]: tag["value"] for tag in entry["tags"]}


@pytest.fixture(scope="module")
def large_emulator(tmp_path_factory):
    """Only the 2,500 generated instances (an empty fleet file), restarts over at once."""
    fleet = tmp_path_factory.mktemp("fleet") / "empty.json"
    fleet.write_text("[]")
    with Emulator(["--instances", str(fleet), "--generated-instances", str(GENERATED), "--restart-seconds", "0",
                   "--quiet"]) as running:
        yield running


@pytest.fixture
def large(large_emulator):
    large_emulator.reset()
    return large_emulator


# Paging ------------------------------------------------------------------------------------

def test_2500_instances_in_pages_of_1000_come_once_each_in_service_order(large):
    pages = []
    for offset in (0, 1000, 2000):
        started = time.monotonic()
        total, entries = listing(large, offset=str(offset), limit="1000")
        assert time.monotonic() - started < 3, "a page of 1000 took too long"
        assert total == GENERATED
        pages.append(ids(entries))
    assert [len(page) for page in pages] == [1000, 1000, 500]
    assert sum(pages, []) == [generated_id(n) for n in range(1, GENERATED + 1)]
    assert large.stats()["list_gets"] == 3


@pytest.mark.parametrize("offset, limit, expected", [
    (999, 3, [1000, 1001, 1002]),
    (2498, 1000, [2499, 2500]),
    (2499, 1, [2500]),
    (2500, 10, []),
    (10**12, 1000, []),
    (0, 1, [1]),
])
def test_offset_and_limit_select_the_page(large, offset, limit, expected):
    total, entries = listing(large, offset=str(offset), limit=str(limit))
    assert total == GENERATED
    assert ids(entries) == [generated_id(n) for n in expected]


def test_without_offset_and_limit_the_first_ten(large):
    total, entries = listing(large)
    assert total == GENERATED
    assert ids(entries) == [generated_id(n) for n in range(1, 11)]
    assert ids(listing(large, offset="", limit="")[1]) == ids(entries)  # empty: as if absent


@pytest.mark.parametrize("name, value", [
    ("limit", "0"), ("limit", "1001"), ("limit", "-1"), ("limit", "abc"), ("limit", "1.5"), ("limit", " 5"),
    ("limit", "+5"), ("limit", "99999999999999999999999"),
    ("offset", "-1"), ("offset", "x"), ("offset", "2.0"), ("offset", "99999999999999999999999"),
])
def test_bad_limit_or_offset_is_400_dcs_4800(large, name, value):
    answer = send_signed(large, "GET", LIST_PATH, query=[(name, value)])
    document = assert_refused(answer, code="DCS.4800", status=400)
    assert name in document["error_msg"]
    assert large.stats()["list_gets"] == 1


# Signature ---------------------------------------------------------------------------------

def test_the_query_is_signed(large):
    request = sign(large, "GET", LIST_PATH, query=[("limit", "5")])
    assert request.uri.endswith("?limit=5")
    assert send(large, "GET", request.uri, b"", request.header_params).status == 200
    for changed in (LIST_PATH + "?limit=6", LIST_PATH, LIST_PATH + "?limit=5&offset=0"):
        assert_refused(send(large, "GET", changed, b"", request.header_params))
    # The pairs in another order are the same canonical query.
    request = sign(large, "GET", LIST_PATH, query=[("offset", "3"), ("limit", "2")])
    answer = send(large, "GET", LIST_PATH + "?offset=3&limit=2", b"", request.header_params)
    assert answer.status == 200 and ids(answer.json()["instances"]) == [generated_id(4), generated_id(5)]


def test_listing_checks_authentication_then_project(fresh_emulator):
    assert_refused(send(fresh_emulator, "GET", LIST_PATH + "?limit=abc", b"", {}))
    assert_refused(send_signed(fresh_emulator, "GET", LIST_PATH, query=[("limit", "5")], sk="wrong"))
    wrong = f"/v2/{'f' * 32}/instances"
    assert_refused(send_signed(fresh_emulator, "GET", wrong, query=[("limit", "abc")]), code="DCS.3003", status=403)
    assert fresh_emulator.stats()["list_gets"] == 3


# Filters -----------------------------------------------------------------------------------

def session_caches():
    return [n for n in range(1, GENERATED + 1) if n % 3 == 0]


@pytest.mark.parametrize("query, expected", [
    ({"name": "generated-00"}, list(range(1, 100))),
    ({"name": "-250"}, list(range(2500, 2501))),
    ({"name": "ted-249"}, list(range(2490, 2500))),
    ({"name": "GENERATED"}, []),  # case-sensitive
    ({"name": "generated-0042", "name_equal": "true"}, [42]),
    ({"name": "generated-004", "name_equal": "true"}, []),
    ({"name": "generated-004", "name_equal": "false"}, list(range(40, 50))),
    ({"instance_id": "emu-0777"}, [777]),
    ({"instance_id": "emu-077"}, []),  # exact, not fuzzy
    ({"ip": "10.0.3.2"}, [751]),
    ({"tags": "role=session-cache"}, session_caches()),
    ({"tags": "role=queue"}, [n for n in range(1, GENERATED + 1) if n % 3]),
    ({"tags": "role=session-cache,env=prod"}, [n for n in range(1, GENERATED + 1) if n % 6 == 3]),
    ({"tags": "env=prod,role=session-cache"}, [n for n in range(1, GENERATED + 1) if n % 6 == 3]),
    ({"tags": "role=session-cache,env=prod,absent=x"}, []),
    ({"tags": "role=session"}, []),  # values are exact
    ({"tags": "role=session-cache", "name": "generated-01"}, [n for n in range(100, 200) if n % 3 == 0]),
    ({"status": "RUNNING", "tags": "env=test", "name": "generated-000"}, [2, 4, 6, 8]),
    ({"status": "ERROR"}, []),
])
def test_filters_select_and_combine(large, query, expected):
    total, entries = listing(large, limit="1000", **query)
    assert total == len(expected)
    assert ids(entries) == [generated_id(n) for n in expected][:1000]


def test_status_filter_follows_the_live_status(large):
    large.set_instance_status(generated_id(7), "ERROR")
    large.set_instance_status(generated_id(2001), "ERROR")
    assert ids(listing(large, status="ERROR")[1]) == [generated_id(7), generated_id(2001)]
    total, entries = listing(large, status="RUNNING", limit="1000", offset="1000")
    assert total == GENERATED - 2 and entries[0]["instance_id"] == generated_id(1002)
    assert ids(listing(large, status="ERROR", tags="env=prod")[1]) == [generated_id(7), generated_id(2001)]
    assert ids(listing(large, status="ERROR", tags="role=session-cache", name="generated-2")[1]) == [generated_id(2001)]


def test_filtered_pages_count_what_matches(large):
    total, entries = listing(large, tags="role=session-cache", offset="800", limit="100")
    assert total == 833
    assert ids(entries) == [generated_id(n) for n in session_caches()[800:]]


def test_failed_creations_are_listed_only_on_request(large):
    large.set_instance_status(generated_id(5), "CREATEFAILED")
    assert listing(large)[0] == GENERATED - 1
    assert generated_id(5) not in ids(listing(large)[1])
    total, entries = listing(large, include_failure="true")
    assert total == GENERATED and ids(entries)[4] == generated_id(5)
    assert ids(listing(large, status="CREATEFAILED", include_failure="true")[1]) == [generated_id(5)]


@pytest.mark.parametrize("tags", ["role", "=queue", "role=queue,", ",role=queue", "role=queue,,env=prod"])
def test_malformed_tags_are_400(large, tags):
    answer = send_signed(large, "GET", LIST_PATH, query=[("tags", tags)])
    assert "tags" in assert_refused(answer, code="DCS.4800", status=400)["error_msg"]


def test_unknown_parameters_are_ignored_and_the_first_of_a_repeated_one_counts(large):
    assert listing(large, include_delete="true", engine="Memcached")[0] == GENERATED
    assert ids(listing(large, ("limit", "2"), ("limit", "3"))[1]) == [generated_id(1), generated_id(2)]


# Entries, names and tags -------------------------------------------------------------------

def test_generated_instances_are_named_and_tagged_by_the_rule(large):
    _, entries = listing(large, limit="12")
    for n, entry in enumerate(entries, start=1):
        assert entry["name"] == f"generated-{n:04d}"
        assert tags_of(entry) == {"env": "prod" if n % 2 else "test", "role": "session-cache" if n % 3 == 0 else "queue"}
        assert [tag["key"] for tag in entry["tags"]] == ["env", "role"]  # sorted by key
    assert listing(large, offset="2499")[1][0]["name"] == "generated-2500"


def test_every_entry_has_the_reference_fields_and_distinct_addresses(large):
    _, entries = listing(large, limit="1000", offset="1500")
    for entry in entries:
        assert set(entry) == ENTRY_FIELDS
        assert entry["engine"] == "Redis" and entry["engine_version"] == "5.0" and entry["status"] == "RUNNING"
        assert isinstance(entry["sub_status"], str) and isinstance(entry["capacity"], int)
        assert isinstance(entry["port"], int) and entry["az_codes"] and all(isinstance(z, str) for z in entry["az_codes"])
    for field in ("ip", "domain_name", "created_at"):
        assert len({entry[field] for entry in entries}) == len(entries), field
    created = [entry["created_at"] for entry in entries]
    assert created == sorted(created), "creation order is the listing's order"


def test_default_fleet_is_listed_with_names_and_tags(fresh_emulator):
    total, entries = listing(fresh_emulator)
    assert total == 5
    assert [(e["instance_id"], e["name"], e["engine_version"], e["status"], tags_of(e)) for e in entries] == [
        (RUNNING_6, "cache-a", "6.0", "RUNNING", {"env": "prod", "role": "session-cache"}),
        (RUNNING_5, "cache-b", "5.0", "RUNNING", {"env": "test", "role": "session-cache"}),
        (RUNNING_4, "cache-c", "4.0", "RUNNING", {"env": "prod", "role": "queue"}),
        (RUNNING_3, "cache-d", "3.0", "RUNNING", {"role": "queue"}),
        (FROZEN_5, "cache-e", "5.0", "FROZEN", {"env": "prod", "role": "session-cache"}),
    ]
    assert ids(listing(fresh_emulator, tags="role=session-cache", status="RUNNING")[1]) == [RUNNING_6, RUNNING_5]
    # The single GET describes an instance as the listing does.
    answer = send_signed(fresh_emulator, "GET", instance_path(RUNNING_4))
    assert answer.json() == entries[2]


def test_listing_shows_restarting_instances(fresh_emulator):
    assert send_signed(fresh_emulator, "PUT", f"/v2/{TEST_PROJECT_ID}/instances/status",
                       json.dumps({"instances": [RUNNING_5], "action": "restart"}).encode()).status == 200
    assert ids(listing(fresh_emulator, status="RESTARTING")[1]) == [RUNNING_5]


def test_fleet_file_tags_and_encoded_names_are_listed(tmp_path):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([
        {"id": "a", "engine_version": "6.0", "status": "RUNNING", "name": "caché one",
         "tags": {"team": "pay ments", "zone": "é/1,=?&"}},
        {"id": "b", "engine_version": "5.0", "status": "RUNNING", "name": "cache two"},
        {"id": "c", "engine_version": "5.0", "status": "RUNNING", "tags": {}},
    ]))
    with Emulator(["--instances", str(fleet)]) as emu:
        _, entries = listing(emu)
        assert [(e["name"], e["tags"]) for e in entries] == [
            ("caché one", [{"key": "team", "value": "pay ments"}, {"key": "zone", "value": "é/1,=?&"}]),
            ("cache two", []), ("c", [])]
        assert ids(listing(emu, name="ché")[1]) == ["a"]
        assert ids(listing(emu, name="e t")[1]) == ["b"]
        assert ids(listing(emu, tags="team=pay ments")[1]) == ["a"]
        assert [e["tags"] for e in emu.instances()] == [{"team": "pay ments", "zone": "é/1,=?&"}, {}, {}]


@pytest.mark.parametrize("entry, complaint", [
    ({"tags": ["role=queue"]}, "tags"), ({"tags": {"role": 1}}, "tags"), ({"tags": {"": "x"}}, "tags"),
    ({"never_returns": "yes"}, "never_returns"), ({"never_returns": 1}, "never_returns"),
])
def test_bad_tags_or_never_returns_in_the_fleet_file_are_refused(tmp_path, entry, complaint):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([dict({"id": "a", "engine_version": "6.0", "status": "RUNNING"}, **entry)]))
    with pytest.raises(EmulatorError, match=complaint):
        Emulator(["--instances", str(fleet)])
