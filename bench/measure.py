"""Measuring: runs the four clients against one dcs-emulator on loopback, several times, and
counts their instructions under callgrind. What it returns, `Bench(options).measure()`, is raw
figures; bench/report.py turns them into medians, ratios and targets."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "harness"))
import emulator as harness  # noqa: E402  (Tests/harness/emulator.py)

# Flush of the default fleet's three RUNNING instances with Redis 4.0 or later: the same ids,
# the same action and the same answer for every client; flush leaves them RUNNING.
IDS = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c",
       "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a"]
BATCH_SIZES = [50, 200, 1000]

CLIENTS = ["floor", "libdcs-c", "libdcs-py", "huawei-sdk"]
LABELS = {"floor": "floor: libcurl + OpenSSL (C)", "libdcs-c": "libdcs from C",
          "libdcs-py": "libdcs from Python", "huawei-sdk": "Huawei SDK (Python)"}

PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"]


class BenchError(RuntimeError):
    pass


def median(values):
    return statistics.median(values) if values else float("nan")


# ------------------------------------------------------------------------------------------
# Running the clients


class Bench:
    def __init__(self, options):
        self.options = options
        self.bin = pathlib.Path(options.bin).resolve()
        self.library = str(pathlib.Path(options.library).resolve())
        self.emulator_binary = str(pathlib.Path(options.emulator).resolve())
        self.pin_client = options.pin_client
        self.emu = None
        self.last_phases = None

    def command(self, client, *args, pinned=True):
        prefix = ["taskset", "-c", self.pin_client] if self.pin_client and pinned else []
        if client == "floor":
            return prefix + [str(self.bin / "floor"), *args]
        if client == "libdcs-c":
            return prefix + [str(self.bin / "libdcs_bench"), *args]
        return prefix + [sys.executable, str(REPO / "bench" / "python_bench.py"), client, *args]

    def environment(self):
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        env.update(DCS_ENDPOINT=self.emu.url if self.emu else "", HUAWEICLOUD_SDK_AK=harness.TEST_AK,
                   HUAWEICLOUD_SDK_SK=harness.TEST_SK, HUAWEICLOUD_SDK_PROJECT_ID=harness.TEST_PROJECT_ID,
                   DCS_LIBRARY=self.library, DCS_BENCH_ACTION="flush", NO_PROXY="*", no_proxy="*")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "examples" / "python"),
                                                           os.environ.get("PYTHONPATH")]))
        env.pop("HUAWEICLOUD_SDK_SECURITY_TOKEN", None)
        return env

    def server_cpu_ns(self):
        """CPU time of every thread of the emulator so far (schedstat: nanoseconds)."""
        total = 0
        for task in pathlib.Path(f"/proc/{self.emu._process.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return total

    def run(self, command, what):
        started = time.monotonic_ns()
        done = subprocess.run(command, env=self.environment(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise BenchError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        return started, done.stdout

    def measured(self, client, mode, *args):
        """One run of a client in seq/threads/batch mode, with the emulator's view of it."""
        self.emu.reset()
        server_before = self.server_cpu_ns()
        _, out = self.run(self.command(client, mode, *args), f"{client} {mode}")
        server_after = self.server_cpu_ns()
        stats = self.emu.stats()
        line = next((l for l in out.splitlines() if l.startswith("{")), None)
        if line is None:
            raise BenchError(f"{client} {mode} printed no result: {out!r}")
        result = json.loads(line)
        result["connections"] = stats["api_connections"]
        result["requests"] = stats["api_requests"]
        result["server_cpu_per_request_s"] = (server_after - server_before) / 1e9 / max(1, stats["api_requests"])
        return result

    def startup(self, client):
        """Milliseconds from just before the process is spawned to its first answer."""
        if client in ("python-bare", "python-nosite"):
            command = [sys.executable, *(["-S"] if client == "python-nosite" else []),
                       "-c", "import time; print('first-answer', time.monotonic_ns())"]
        else:
            command = self.command(client, "startup", *IDS)
        started, out = self.run(command, f"{client} startup")
        match = re.search(r"^first-answer (\d+)$", out, re.M)
        if match is None:
            raise BenchError(f"{client} startup printed no first-answer line: {out!r}")
        phases = re.search(r"^phases (.*)$", out, re.M)
        if phases:
            # The Python clients' split: interpreter start, imports, client (libdcs.so loaded
            # there for the binding), first call; in milliseconds.
            t = json.loads(phases.group(1))
            self.last_phases = {"interpreter": (t["script"] - started) / 1e6,
                                "imports": (t["imported"] - t["script"]) / 1e6,
                                "client": (t["client"] - t["imported"]) / 1e6,
                                "first call": (t["answer"] - t["client"]) / 1e6}
        return (int(match.group(1)) - started) / 1e6

    def load(self, installed):
        """Loading the library as installed (stripped), in a fresh process: dlopen plus the first
        call in ms, and the resident KiB that loading it and making one client add; then the
        same load of libcurl.so.4 alone, the part of it that is libcurl's."""
        _, out = self.run([str(self.bin / "load_time"), str(installed)], "load_time")
        ours = json.loads(out)
        _, out = self.run([str(self.bin / "load_time"), "--dlopen-only", "libcurl.so.4"], "load_time libcurl")
        curl = json.loads(out)
        return {"load_ms": ours["load_ms"], "rss_load_kib": ours["rss_loaded_kib"] - ours["rss_before_kib"],
                "rss_client_kib": ours["rss_client_kib"] - ours["rss_before_kib"], "curl_load_ms": curl["load_ms"],
                "curl_rss_kib": curl["rss_loaded_kib"] - curl["rss_before_kib"]}

    def installed_copy(self, directory):
        """The library as scripts/install.sh installs it: stripped (its debug information apart)."""
        copy = pathlib.Path(directory) / "libdcs.so"
        subprocess.run(["strip", "-o", str(copy), self.library], check=True)
        return copy

    # --------------------------------------------------------------------------------------

    def start_emulator(self):
        args = ["--quiet", "--restart-seconds", "0", "--threads", str(self.options.emulator_threads),
                "--generated-instances", str(max(BATCH_SIZES))]
        self.emu = harness.Emulator(args, binary=self.emulator_binary)
        if self.options.pin_emulator:
            subprocess.run(["taskset", "-a", "-p", "-c", self.options.pin_emulator, str(self.emu._process.pid)],
                           check=True, stdout=subprocess.DEVNULL)

    def measure(self):
        o = self.options
        data = {"runs": {c: {"seq": [], "threads": [], "startup": [], "startup_phases": []} for c in CLIENTS},
                "startup_python_bare": [], "startup_python_nosite": [], "batch": {str(n): [] for n in BATCH_SIZES}, "load": []}
        progress = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
        data["loadavg"] = [pathlib.Path("/proc/loadavg").read_text().split()[0]]
        installed_dir = tempfile.TemporaryDirectory()

        self.start_emulator()
        try:
            installed = self.installed_copy(installed_dir.name)
            data["stripped_bytes"], data["library_bytes"] = installed.stat().st_size, pathlib.Path(self.library).stat().st_size
            for _ in range(o.runs * 2):
                data["load"].append(self.load(installed))
            # One start-up of each, not measured: Huawei's SDK writes its application id under
            # ~/.huaweicloud on its first run, and every client's files get into the page cache.
            for client in CLIENTS:
                self.startup(client)
            for run in range(o.runs):
                # The pairs compared (floor and libdcs from C, libdcs from Python and Huawei's
                # SDK) run back to back, each in turn first, so that a change in the machine's
                # load weighs on both; the ratios are the medians of the pairs' own ratios. The
                # C pair, which decides the exit status and takes a second a run, runs
                # --c-pairs times a run.
                order = CLIENTS if run % 2 == 0 else CLIENTS[::-1]
                progress(f"bench: run {run + 1} of {o.runs}")
                for pair, repeats in ((("floor", "libdcs-c"), o.c_pairs), (("libdcs-py", "huawei-sdk"), 1)):
                    for k in range(repeats):
                        for client in (pair if (run + k) % 2 == 0 else pair[::-1]):
                            data["runs"][client]["seq"].append(
                                self.measured(client, "seq", str(o.calls), str(o.warmup), *IDS))
                for client in order:
                    data["runs"][client]["threads"].append(
                        self.measured(client, "threads", str(o.threads), str(o.calls), str(o.warmup), *IDS))
                for client in order:
                    self.last_phases = None
                    data["runs"][client]["startup"].append(self.startup(client))
                    if self.last_phases:
                        data["runs"][client]["startup_phases"].append(self.last_phases)
                data["startup_python_bare"].append(self.startup("python-bare"))
                data["startup_python_nosite"].append(self.startup("python-nosite"))
                for size in BATCH_SIZES:
                    reps = max(1, o.batch_ids // size)
                    data["batch"][str(size)].append(
                        self.measured("libdcs-c", "batch", str(size), str(reps), str(max(1, reps // 10))))
            if not o.no_profile:
                progress("bench: instruction counts under callgrind (about a minute)")
                data["profile"] = Profiler(self).profile()
        finally:
            self.emu.stop()
            installed_dir.cleanup()
        data["loadavg"].append(pathlib.Path("/proc/loadavg").read_text().split()[0])
        return data


# ------------------------------------------------------------------------------------------
# Instruction counts (callgrind): steady where the CPU times are noisy


class Profiler:
    """Instructions per call of each client, and where libdcs from C spends them: each client
    runs under callgrind twice, with SMALL and LARGE measured calls, and the difference divided
    by LARGE - SMALL is the cost of one call, start-up and warm-up cancelled out. Callgrind
    counts user-space instructions only (not the kernel's work), the same on a busy machine as
    on a quiet one."""

    # (SMALL, LARGE, WARMUP) calls; Python runs some 50 times slower under callgrind.
    CALLS = {"floor": (20, 220, 10), "libdcs-c": (20, 220, 10), "libdcs-py": (10, 60, 5), "huawei-sdk": (10, 60, 5)}
    # (SMALL, LARGE) calls of libdcs from C with 50, 200 and 1,000 ids: 2,000 ids apart.
    BATCH_REPS = {50: (2, 42), 200: (1, 11), 1000: (1, 3)}

    def __init__(self, bench):
        self.bench = bench

    def available(self):
        return shutil.which("valgrind") and shutil.which("callgrind_annotate")

    def profile(self):
        if not self.available():
            return {"skipped": "valgrind is not installed (apt-get install -y valgrind)"}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            # Valgrind 3.19 cannot read the DWARF 5 debug info of a clang-built libdcs.so: a copy
            # without it (symbols kept) is profiled, found first through LD_LIBRARY_PATH and
            # given to the Python binding as DCS_LIBRARY.
            libdir = tmp / "lib"
            libdir.mkdir()
            subprocess.run(["strip", "--strip-debug", "-o", str(libdir / "libdcs.so"), self.bench.library], check=True)
            (libdir / "libdcs.so.0").symlink_to("libdcs.so")
            result = {}
            for client in CLIENTS:
                small, large, warmup = self.CALLS[client]
                costs = {}
                for n in (small, large):
                    out = tmp / f"callgrind.{client}.{n}"
                    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                               *self.bench.command(client, "seq", str(n), str(warmup), *IDS, pinned=False)]
                    env = self.bench.environment()
                    env["LD_LIBRARY_PATH"] = str(libdir)
                    env["DCS_LIBRARY"] = str(libdir / "libdcs.so")
                    self.bench.emu.reset()
                    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                          text=True, timeout=600)
                    if done.returncode != 0:
                        return {"skipped": f"callgrind run of {client} failed: {done.stderr.strip()[-500:]}"}
                    costs[n] = (self.annotate(out, inclusive=False), self.annotate(out, inclusive=True))
                result[client] = self.per_call(costs, small, large)
            result["batch"] = {}
            for size in BATCH_SIZES:
                small, large = self.BATCH_REPS[size]
                totals = []
                for reps in (small, large):
                    out = tmp / f"callgrind.batch.{size}.{reps}"
                    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                               *self.bench.command("libdcs-c", "batch", str(size), str(reps), "1", pinned=False)]
                    env = self.bench.environment()
                    env["LD_LIBRARY_PATH"] = str(libdir)
                    self.bench.emu.reset()
                    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                          text=True, timeout=600)
                    if done.returncode != 0:
                        return {"skipped": f"callgrind run of batch {size} failed: {done.stderr.strip()[-500:]}"}
                    totals.append(self.total(out))
                result["batch"][str(size)] = round((totals[1] - totals[0]) / ((large - small) * size))
            return result

    @staticmethod
    def total(path):
        for line in pathlib.Path(path).read_text(errors="replace").splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
        raise BenchError(f"no totals in {path}")

    @staticmethod
    def annotate(path, inclusive):
        done = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
                               "--threshold=100", str(path)], capture_output=True, text=True, check=True)
        text = done.stdout
        demangler = shutil.which("swift-demangle")
        if demangler:
            text = subprocess.run([demangler, "--simplified"], input=text, capture_output=True, text=True).stdout
        total = None
        functions = {}
        for line in text.splitlines():
            match = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$", line)
            if not match:
                continue
            count = int(match.group(1).replace(",", ""))
            name = match.group(2).strip()
            if name.startswith("PROGRAM TOTALS"):
                total = count
                continue
            # "file:function [object]": keep the function and the object's base name.
            fm = re.match(r"^(?:[^:]*):(.*?)(?: \[(.*)\])?$", name)
            if not fm:
                continue
            function = fm.group(1)
            obj = pathlib.Path(fm.group(2)).name if fm.group(2) else "?"
            key = (function, obj)
            functions[key] = functions.get(key, 0) + count
        return total, functions

    @staticmethod
    def per_call(costs, small, large):
        calls = large - small
        (total_s, self_s), (_, incl_s) = costs[small]
        (total_l, self_l), (_, incl_l) = costs[large]
        per_call = (total_l - total_s) / calls

        def deltas(small, large):
            out = []
            for key, value in large.items():
                delta = (value - small.get(key, 0)) / calls
                if delta > 0:
                    out.append((delta, key))
            out.sort(reverse=True)
            return out

        by_object = {}
        for delta, (_, obj) in deltas(self_s, self_l):
            by_object[obj] = by_object.get(obj, 0) + delta
        top_self = [{"function": f, "object": o, "instructions": round(d), "share": d / per_call}
                    for d, (f, o) in deltas(self_s, self_l)[:12]]
        # Inclusive costs of libdcs's own functions, wrappers of the same cost listed once.
        top_inclusive, seen = [], []
        for delta, (function, obj) in deltas(incl_s, incl_l):
            if obj != "libdcs.so" or delta > per_call * 0.99:
                continue
            if any(abs(delta - s) <= 0.01 * s for s in seen):
                continue
            if re.match(r"^(partial apply|protocol witness|dispatch thunk|@objc|merged|reabstraction)", function):
                continue
            seen.append(delta)
            top_inclusive.append({"function": function, "instructions": round(delta), "share": delta / per_call})
            if len(top_inclusive) == 16:
                break
        # The floor drives libcurl with curl_easy_perform, libdcs with curl_multi_perform (so that
        # a call can be cancelled): either is "the transfer, callbacks included".
        # (curl_easy_perform itself runs curl_multi_perform: the outer one alone counts.)
        performed = {f: d for d, (f, o) in deltas(incl_s, incl_l) if f in ("curl_easy_perform", "curl_multi_perform")}
        curl = performed.get("curl_easy_perform") or performed.get("curl_multi_perform", 0.0)
        # dcs_call's C entry point, or the Swift function behind it when it is the one named.
        library = max([d for d, (f, o) in deltas(incl_s, incl_l)
                       if o == "libdcs.so" and (f == "dcs_call" or f.startswith("dcs_call("))], default=0.0)
        return {"instructions_per_call": round(per_call), "dcs_call_inclusive": round(library), "by_object": {k: round(v) for k, v in
                                                                        sorted(by_object.items(), key=lambda kv: -kv[1])},
                "curl_easy_perform_inclusive": round(curl), "top_self": top_self, "top_inclusive": top_inclusive}
