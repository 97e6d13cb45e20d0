"""The benchmark's Python clients: libdcs through the binding (package dcs), and Huawei's
official SDK (huaweicloudsdkdcs) calling restart_or_flush_instances.

    python3 bench/python_bench.py CLIENT seq N WARMUP ID...        WARMUP calls, N measured
    python3 bench/python_bench.py CLIENT threads T N WARMUP ID...  T threads, one client, N calls in all
    python3 bench/python_bench.py CLIENT startup ID...             one call, then "first-answer NS"

CLIENT is libdcs-py or huawei-sdk. Configuration from the environment: DCS_ENDPOINT,
HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID (the binding also needs
DCS_LIBRARY, which bench/run.py sets, and examples/python on PYTHONPATH).
The action is flush (DCS_BENCH_ACTION overrides it). Every call must come back with every
instance successful; anything else exits 1.

seq and threads print one JSON line as the C clients do (bench/common.h): calls, cpu_s
(user + system of the measured part, resource.getrusage), wall_s, maxrss_kb (VmHWM). Nothing is
imported at module level beyond the standard library, so that start-up counts the imports of
the client measured only. startup also prints "phases" with the monotonic times at which the
script started, the client's package was imported, the client was made and the first answer
came, for the driver to split the start-up.
"""

import time

STARTED_NS = time.monotonic_ns()  # the script's first line: what came before is the interpreter's start

import json
import os
import resource
import sys
import threading

ACTION = os.environ.get("DCS_BENCH_ACTION", "flush")
PHASES = {"script": STARTED_NS}


def libdcs_client(ids):
    """A function making one call through the binding, and a function closing the client."""
    import dcs

    PHASES["imported"] = time.monotonic_ns()
    client = dcs.Client.from_env()  # loads libdcs.so
    PHASES["client"] = time.monotonic_ns()
    expected = len(ids)

    def call():
        results = client.call(ACTION, ids)  # raises unless every instance succeeded
        if len(results) != expected:
            raise SystemExit(f"libdcs-py: {len(results)} results for {expected} ids")

    return call, client.close


def huawei_client(ids):
    """The same through Huawei's SDK, pointed at the emulator's endpoint."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkdcs.v2 import ChangeInstanceStatusBody, DcsClient, RestartOrFlushInstancesRequest

    PHASES["imported"] = time.monotonic_ns()
    env = os.environ
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    credentials = BasicCredentials(env["HUAWEICLOUD_SDK_AK"], env["HUAWEICLOUD_SDK_SK"],
                                   env["HUAWEICLOUD_SDK_PROJECT_ID"])
    client = (DcsClient.new_builder().with_http_config(config).with_credentials(credentials)
              .with_endpoints([env["DCS_ENDPOINT"]]).build())
    PHASES["client"] = time.monotonic_ns()
    expected = len(ids)

    def call():
        answer = client.restart_or_flush_instances(RestartOrFlushInstancesRequest(
            body=ChangeInstanceStatusBody(instances=list(ids), action=ACTION)))
        results = answer.results or []
        if (answer.status_code != 200 or len(results) != expected
                or any(result.result != "success" for result in results)):
            raise SystemExit(f"huawei-sdk: unexpected answer {answer.status_code}: {answer}")

    return call, lambda: None


CLIENTS = {"libdcs-py": libdcs_client, "huawei-sdk": huawei_client}


def mark():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.monotonic(), usage


def peak_rss_kb(fallback):
    """VmHWM, as bench/common.h reads it (ru_maxrss carries the RSS from before execve)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return fallback


def report(client, mode, threads, calls, start, end):
    (wall0, usage0), (wall1, usage1) = start, end
    user = usage1.ru_utime - usage0.ru_utime
    system = usage1.ru_stime - usage0.ru_stime
    print(json.dumps({"client": client, "mode": mode, "threads": threads, "calls": calls,
                      "cpu_s": round(user + system, 6), "user_s": round(user, 6), "sys_s": round(system, 6),
                      "wall_s": round(wall1 - wall0, 6), "maxrss_kb": peak_rss_kb(usage1.ru_maxrss)}),
          flush=True)


def main(argv):
    if len(argv) < 4 or argv[1] not in CLIENTS:
        raise SystemExit(__doc__)
    name, mode = argv[1], argv[2]
    if mode == "startup":
        call, close = CLIENTS[name](argv[3:])
        call()
        answered = time.monotonic_ns()
        print(f"first-answer {answered}", flush=True)
        print("phases " + json.dumps({**PHASES, "answer": answered}), flush=True)
        close()
    elif mode == "seq":
        n, warmup, ids = int(argv[3]), int(argv[4]), argv[5:]
        call, close = CLIENTS[name](ids)
        for _ in range(warmup):
            call()
        start = mark()
        for _ in range(n):
            call()
        end = mark()
        report(name, "seq", 1, n, start, end)
        close()
    elif mode == "threads":
        threads, n, warmup, ids = int(argv[3]), int(argv[4]), int(argv[5]), argv[6:]
        if n % threads:
            raise SystemExit("threads: N must be a multiple of T")
        call, close = CLIENTS[name](ids)
        ready = threading.Barrier(threads + 1)
        failures = []

        def work():
            try:
                for _ in range(warmup // threads):
                    call()
                ready.wait()
                for _ in range(n // threads):
                    call()
            except BaseException as error:  # reported below; the barrier must not hang
                failures.append(error)
                ready.abort()

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            pass
        start = mark()
        for worker in workers:
            worker.join()
        end = mark()
        if failures:
            raise SystemExit(f"{name}: {failures[0]!r}")
        report(name, "threads", threads, n, start, end)
        close()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
