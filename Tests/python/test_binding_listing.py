"""Listing instances through the Python binding (Client.list_instances), against an emulator
whose fleet is the default five plus emu-0001..emu-2500: three pages of 1000."""

import json
import threading
import time
import urllib.parse

import pytest

import dcs
from conftest import client_of
from emulator import Emulator

GENERATED_COUNT = 2500
PAGE = 1000


@pytest.fixture(scope="module")
def big_emulator():
    with Emulator(["--generated-instances", str(GENERATED_COUNT), "--record-requests", "--quiet"]) as emulator:
        yield emulator


@pytest.fixture
def big(big_emulator):
    big_emulator.reset()
    return big_emulator


@pytest.fixture
def client(big):
    with client_of(big) as made:
        yield made


def expected(emu, *, name=None, exact=False, status=None, tags=()):
    """The instances `emu`'s fleet says a filter selects, in its order, as Instance records."""
    found = []
    for i in emu.instances():
        if name is not None and not (i["name"] == name if exact else name in i["name"]):
            continue
        if status is not None and i["status"] != status:
            continue
        if not all(i["tags"].get(key) == value for key, value in tags):
            continue
        found.append(dcs.Instance(i["id"], i["name"], dcs.InstanceStatus[i["status"]], i["status"], "Redis",
                                  i["engine_version"]))
    return found


def listing_queries(emu):
    """The query of each listing GET the emulator received, as {name: value}."""
    return [dict(urllib.parse.parse_qsl(r["query"])) for r in emu.requests()
            if r["method"] == "GET" and r["path"].endswith("/instances")]


def nothing_sent(emu):
    stats = emu.stats()
    return stats["list_gets"] == 0 and stats["api_requests"] == 0


def test_every_instance_once_in_the_service_s_order_over_three_pages(client, big):
    listed = client.list_instances()
    fleet = big.instances()
    assert len(fleet) == 5 + GENERATED_COUNT
    assert [i.id for i in listed] == [i["id"] for i in fleet]  # all, in order
    assert len({i.id for i in listed}) == len(listed)  # once each
    assert listed == expected(big)  # and every field as the fleet has it
    assert listed[5] == dcs.Instance("emu-0001", "generated-0001", dcs.InstanceStatus.RUNNING, "RUNNING", "Redis",
                                     "5.0")
    frozen = listed[4]
    assert (frozen.name, frozen.status, frozen.status_text) == ("cache-e", dcs.InstanceStatus.FROZEN, "FROZEN")
    # Followed to the end in pages of 1000, and no further.
    assert big.stats()["list_gets"] == 3
    assert [(q.get("offset", "0"), q["limit"]) for q in listing_queries(big)] == [("0", "1000"), ("1000", "1000"),
                                                                                ("2000", "1000")]


@pytest.mark.parametrize("name, exact", [("generated-000", False), ("generated-0042", True), ("generated-004", True),
                                         ("cache", False), ("generated-24", False), ("no-such-name", False)])
def test_names_select_what_the_fleet_says(client, big, name, exact):
    listed = client.list_instances(name=name, exact=exact)
    assert listed == expected(big, name=name, exact=exact)
    if exact:
        assert len(listed) == (1 if name == "generated-0042" else 0)
    query = listing_queries(big)[0]
    assert query["name"] == name and (query.get("name_equal") == "true") == exact


def test_statuses_select_what_the_fleet_says(client, big):
    for instance in ("emu-0007", "emu-1500", "emu-2500"):
        big.set_instance_status(instance, "FROZEN")
    frozen = expected(big, status="FROZEN")
    assert [i.id for i in frozen] == ["e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "emu-0007", "emu-1500", "emu-2500"]
    assert client.list_instances(status=dcs.InstanceStatus.FROZEN) == frozen
    assert client.list_instances(status="FROZEN") == frozen
    assert client.list_instances(status="RESTARTING") == []
    assert len(client.list_instances(status="RUNNING")) == 5 + GENERATED_COUNT - 4


def test_tags_select_what_the_fleet_says(client, big):
    wanted = [("role", "session-cache"), ("env", "prod")]
    tagged = expected(big, tags=wanted)
    assert len(tagged) == 2 + len([n for n in range(1, GENERATED_COUNT + 1) if n % 3 == 0 and n % 2 == 1])
    assert client.list_instances(tags=dict(wanted)) == tagged
    assert client.list_instances(tags=[f"{k}={v}" for k, v in wanted]) == tagged
    assert client.list_instances(tags=(f"{k}={v}" for k, v in wanted)) == tagged  # any iterable
    assert client.list_instances(tags={"role": "queue"}) == expected(big, tags=[("role", "queue")])
    assert client.list_instances(tags={}) == expected(big)  # no tag: no filter
    assert listing_queries(big)[0]["tags"] == "role=session-cache,env=prod"


def test_filters_combine(client, big):
    big.set_instance_status("emu-0002", "RESTARTING")
    listed = client.list_instances(name="generated-00", status="RUNNING", tags={"env": "test"})
    assert listed == expected(big, name="generated-00", status="RUNNING", tags=[("env", "test")])
    assert "emu-0002" not in {i.id for i in listed} and "emu-0004" in {i.id for i in listed}


@pytest.mark.parametrize("filters, error, message", [
    # Checked by the library: its message names the field of dcs_list_filter.
    ({"status": "running"}, dcs.InvalidArgument, r"filter->status"),
    ({"status": "RUN NING"}, dcs.InvalidArgument, r"filter->status"),
    ({"name": ""}, dcs.InvalidArgument, r"filter->name"),
    ({"name": "x" * 256}, dcs.InvalidArgument, r"filter->name"),
    ({"name": "a\nb"}, dcs.InvalidArgument, r"filter->name"),
    ({"name": "a\udcffb"}, dcs.InvalidArgument, r"filter->name"),  # the byte 0xff: not UTF-8
    ({"tags": ["role=queue", "novalue"]}, dcs.InvalidArgument, r"filter->tags\[1\]"),
    ({"tags": ["=value"]}, dcs.InvalidArgument, r"filter->tags\[0\]"),
    ({"tags": ["role=a,b"]}, dcs.InvalidArgument, r"filter->tags\[0\]"),
    ({"tags": {"role": "a=b"}}, dcs.InvalidArgument, r"filter->tags\[0\]"),
    ({"tags": ["k=" + "v" * 256]}, dcs.InvalidArgument, r"filter->tags\[0\]"),
    ({"tags": ["k" * 129 + "=v"]}, dcs.InvalidArgument, r"filter->tags\[0\]"),
    ({"tags": [f"k{n}=v" for n in range(21)]}, dcs.InvalidArgument, r"filter->tag"),
    # Checked in Python, before any C call: the argument's name.
    ({"name": 42}, TypeError, r"name must be a str, not int"),
    ({"name": "a\0b"}, dcs.InvalidArgument, r"name holds a NUL character"),
    ({"exact": True}, dcs.InvalidArgument, r"exact needs name"),
    ({"name": "a", "exact": "yes"}, TypeError, r"exact must be a bool"),
    ({"status": dcs.InstanceStatus.OTHER}, dcs.InvalidArgument, r"status OTHER"),
    ({"status": 3}, TypeError, r"status must be an InstanceStatus or a str"),
    ({"status": "RUN\0NING"}, dcs.InvalidArgument, r"status holds a NUL character"),
    ({"tags": "role=queue"}, TypeError, r"tags must be .* not a single str"),
    ({"tags": 5}, TypeError, r"tags must be .* not int"),
    ({"tags": [b"role=queue"]}, TypeError, r"tags\[0\] must be a str, not bytes"),
    ({"tags": {"role": 1}}, TypeError, r"tags\['role'\] must be a str, not int"),
    ({"tags": {1: "queue"}}, TypeError, r"the keys of tags must be str"),
    ({"tags": ["role=queue", "env=p\0rod"]}, dcs.InvalidArgument, r"tags\[1\] holds a NUL character"),
    ({"timeout": 0}, dcs.InvalidArgument, r"timeout must be from 0.001"),
    ({"cancel": "token"}, TypeError, r"cancel must be a dcs.CancelToken"),
])
def test_bad_filters_are_refused_naming_the_argument_and_nothing_is_sent(client, big, filters, error, message):
    with pytest.raises(error, match=message) as info:
        client.list_instances(**filters)
    if isinstance(info.value, dcs.DcsError):
        assert info.value.status is dcs.Status.EINVAL and info.value.results == []
    assert nothing_sent(big)


def test_a_failed_page_fails_the_whole_listing(client, big):
    big.fault("status500", on="list", skip=1)  # the second page
    with pytest.raises(dcs.ApiError) as info:
        client.list_instances()
    assert (info.value.http_status, info.value.code) == (500, "DCS.5000") and info.value.results == []
    assert big.stats()["list_gets"] == 2  # a GET changes nothing, but the library does not guess
    assert len(client.list_instances()) == 5 + GENERATED_COUNT  # the next listing is whole


def test_a_listing_is_cancelled_and_bounded_like_the_calls(client, big):
    big.fault("delay", on="list", count=3, ms=3000)
    with dcs.CancelToken() as token:
        timer = threading.Timer(0.3, token.cancel)
        started = time.monotonic()
        timer.start()
        with pytest.raises(dcs.Cancelled):
            client.list_instances(cancel=token)
        timer.join()
        assert time.monotonic() - started < 1.5
        with pytest.raises(dcs.Cancelled):  # a cancelled token: nothing more is sent
            before = big.stats()["list_gets"]
            client.list_instances(cancel=token)
        assert big.stats()["list_gets"] == before
    started = time.monotonic()
    with pytest.raises(dcs.Timeout):
        client.list_instances(timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_a_status_the_library_does_not_know_keeps_its_spelling(tmp_path):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([
        {"id": "upgrading-1", "name": "odd\tname", "engine_version": "6.0", "status": "UPGRADING"},
        {"id": "plain-1", "engine_version": "5.0", "status": "RUNNING", "tags": {"team": "ops"}},
    ]))
    with Emulator(["--instances", str(fleet), "--quiet"]) as emulator, client_of(emulator) as client:
        assert client.list_instances() == [
            dcs.Instance("upgrading-1", "odd\tname", dcs.InstanceStatus.OTHER, "UPGRADING", "Redis", "6.0"),
            dcs.Instance("plain-1", "plain-1", dcs.InstanceStatus.RUNNING, "RUNNING", "Redis", "5.0")]
        assert [i.id for i in client.list_instances(status="UPGRADING")] == ["upgrading-1"]
        assert [i.id for i in client.list_instances(tags=["team=ops"])] == ["plain-1"]


def test_every_list_is_freed_exactly_once(big, native):
    with client_of(big) as client:
        client.list_instances(name="generated-000")
        assert client.list_instances(name="nothing") == []
        for bad in ({"status": "bad"}, {"tags": ["x"]}):
            with pytest.raises(dcs.InvalidArgument):
                client.list_instances(**bad)
        big.fault("status500", on="list")
        with pytest.raises(dcs.ApiError):
            client.list_instances()
    assert native.unbalanced() == []
    assert native.handed_out["instance_list"] == 2 and native.calls["dcs_instance_list_free"] == 5


def test_instances_are_immutable_values():
    instance = dcs.Instance(id="a", name="n", status=dcs.InstanceStatus.RUNNING, status_text="RUNNING",
                            engine="Redis", engine_version="6.0")
    with pytest.raises(AttributeError):
        instance.name = "m"
    assert instance == dcs.Instance("a", "n", dcs.InstanceStatus.RUNNING, "RUNNING", "Redis", "6.0")
    assert instance != dcs.Instance("a", "n", dcs.InstanceStatus.RUNNING, "RUNNING", "Redis", "7.0")
    assert len({instance, dcs.Instance("a", "n", dcs.InstanceStatus.RUNNING, "RUNNING", "Redis", "6.0")}) == 1
    import pickle

    assert pickle.loads(pickle.dumps(instance)) == instance
    with pytest.raises(TypeError):
        dcs.Instance("a", "n")
