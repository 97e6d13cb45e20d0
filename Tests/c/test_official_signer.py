"""Requests that libdcs really sends, checked against Huawei's official signer.

The C example sends them to the emulator, which records them; each recorded request is then
signed again with huaweicloudsdkcore's Signer over the same headers, path and body, and the
signatures must be equal. Ids are random (seeded), Unicode included, so that the check covers
more than the fixed conformance vectors.
"""

import hmac
import random
import subprocess

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from c_support import under_memcheck
from clients import client_env
from emulator import Emulator, TEST_AK, TEST_SECURITY_TOKEN, TEST_SK

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}éß日本🔥"


def random_ids(rng, count):
    ids = set()
    while len(ids) < count:
        ids.add("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))))
    return sorted(ids)


def official_signature(request):
    """Huawei's signer over the headers the request names as signed."""
    headers = dict(request["headers"])
    authorization = next(v for n, v in request["headers"] if n.lower() == "authorization")
    signed_names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    signed = {name: value for name, value in request["headers"] if name.lower() in signed_names}
    assert len(signed) == len(signed_names), "a signed header is missing from the request"
    sdk_request = SdkRequest(method=request["method"], schema="http", host=headers.get("Host"),
                             resource_path=request["path"], query_params=[], header_params=signed,
                             body=request["body"].encode())
    Signer(BasicCredentials(ak=TEST_AK, sk=TEST_SK)).sign(sdk_request)
    official = sdk_request.header_params["Authorization"]
    return official, authorization


def check_recorded_requests(emulator, expected_count):
    requests = emulator.requests()
    assert len(requests) == expected_count
    for index, request in enumerate(requests):
        official, ours = official_signature(request)
        # Compared whole, without printing either: a signature is a secret too.
        assert hmac.compare_digest(official, ours), f"request {index}: signature differs from Huawei's signer"


def test_generated_requests_match_the_official_signer(dcsctl, emu):
    rng = random.Random(20261129)
    calls = 0
    for round_ in range(40):
        action = rng.choice(["restart", "soft_restart", "flush"])
        ids = random_ids(rng, rng.randint(1, 60))  # over 50 ids: two requests
        # "--": a random id may start with '-'; --yes: a flush asks for confirmation otherwise.
        done = subprocess.run(under_memcheck([dcsctl, action, "--yes", "--", *ids]), env=client_env(emu),
                              capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr  # 4 would be a refusal, a 401 among them
        calls += 1 if len(ids) <= 50 else 2
    check_recorded_requests(emu, calls)
    assert emu.stats()["api_requests"] == calls


def test_temporary_credentials_match_the_official_signer(dcsctl):
    with Emulator(["--record-requests", "--record-secrets", "--security-token", TEST_SECURITY_TOKEN,
                   "--quiet"]) as emulator:
        env = client_env(emulator, HUAWEICLOUD_SDK_SECURITY_TOKEN=TEST_SECURITY_TOKEN)
        done = subprocess.run(under_memcheck([dcsctl, "restart", "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"]),
                              env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        check_recorded_requests(emulator, 1)
