"""Finding and loading libdcs.so, and the ctypes prototypes of the whole header."""

import ctypes
import os
import re
import shutil
import subprocess
import sys

import pytest

import dcs
from binding_support import PACKAGE_ROOT, REPO
from dcs import _native


@pytest.fixture(scope="module")
def real_library():
    """The libdcs.so these tests loaded ($DCS_LIBRARY: scripts/test.sh, or Tests/conftest.py)."""
    return os.path.realpath(_native.library()._name)


def load_in(package_parent, env_extra=(), code="import dcs; print(dcs._native.library()._name)"):
    """Imports dcs from `package_parent` in a fresh interpreter with no DCS_LIBRARY nor
    LD_LIBRARY_PATH unless given; returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DCS_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    env.update({"PYTHONPATH": str(package_parent), **dict(env_extra)})
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          cwd="/")
    return done.returncode, done.stdout.strip(), done.stderr


def copy_package(destination, with_library=None):
    """The package copied into `destination`, with `with_library` beside it (a link named
    dcs/libdcs.so, where the wheel puts the library) when given."""
    shutil.copytree(PACKAGE_ROOT / "dcs", destination / "dcs", ignore=shutil.ignore_patterns("__pycache__"))
    if with_library:
        (destination / "dcs" / "libdcs.so").symlink_to(with_library)
    return destination


def system_directory(tmp_path, real_library):
    """A directory holding libdcs.so.0, as the system loader would find it there."""
    system = tmp_path / "lib"
    system.mkdir()
    (system / "libdcs.so.0").symlink_to(real_library)
    return system


def test_dcs_library_is_used_when_set(tmp_path, real_library):
    status, out, err = load_in(copy_package(tmp_path), {"DCS_LIBRARY": real_library})
    assert (status, out) == (0, real_library), err


def test_dcs_library_is_the_only_place_tried_when_set(tmp_path, real_library):
    system = system_directory(tmp_path, real_library)
    package = copy_package(tmp_path / "site-packages", with_library=real_library)
    status, out, err = load_in(package, {"DCS_LIBRARY": "/nonexistent/libdcs.so", "LD_LIBRARY_PATH": str(system)})
    assert status != 0
    assert "LibraryLoadError" in err
    assert "/nonexistent/libdcs.so (from $DCS_LIBRARY): no such file" in err
    assert "libdcs.so.0" not in err and "beside the package" not in err  # not silently replaced


def test_a_file_that_is_no_library_is_reported(tmp_path):
    fake = tmp_path / "libdcs.so"
    fake.write_text("not an ELF file")
    status, out, err = load_in(copy_package(tmp_path / "pkg"), {"DCS_LIBRARY": str(fake)})
    assert status != 0 and f"{fake} (from $DCS_LIBRARY):" in err


def test_library_beside_the_package_comes_before_the_system_s(tmp_path, real_library):
    system = system_directory(tmp_path, real_library)
    package = copy_package(tmp_path / "site-packages", with_library=real_library)
    status, out, err = load_in(package, {"LD_LIBRARY_PATH": str(system)})
    assert (status, out) == (0, str(package / "dcs" / "libdcs.so")), err


def test_installed_copy_without_library_uses_the_system_loader(tmp_path, real_library):
    system = system_directory(tmp_path, real_library)
    site = copy_package(tmp_path / "site-packages")
    status, out, err = load_in(site, {"LD_LIBRARY_PATH": str(system)})
    assert (status, out) == (0, "libdcs.so.0"), err


def test_error_names_every_place_tried(tmp_path):
    site = copy_package(tmp_path / "site-packages")
    status, out, err = load_in(site)
    assert status != 0
    assert f"{site}/dcs/libdcs.so (beside the package, as the wheel installs it): no such file" in err
    assert "libdcs.so.0 (the system loader" in err
    assert "DCS_LIBRARY" in err and "wheel" in err  # says how to get one


def test_a_checkout_s_build_output_is_not_looked_for(tmp_path, real_library):
    """The package knows nothing of the repository: the tests point it at the build output."""
    root = tmp_path / "repo"
    (root / "include").mkdir(parents=True)
    shutil.copy(REPO / "include" / "dcs.h", root / "include" / "dcs.h")
    copy_package(root / "examples" / "python")
    (root / ".build" / "release").mkdir(parents=True)
    (root / ".build" / "release" / "libdcs.so").symlink_to(real_library)
    status, out, err = load_in(root / "examples" / "python")
    assert status != 0 and f"{root}/.build" not in err, (out, err)


def test_import_loads_nothing_until_first_use(tmp_path):
    status, out, err = load_in(copy_package(tmp_path), {"DCS_LIBRARY": "/nonexistent/libdcs.so"}, code=(
        "import dcs\n"
        "assert str(dcs.Outcome.NOT_SENT) == 'not_sent'\n"
        "try:\n"
        "    dcs.Client()\n"
        "except dcs.LibraryLoadError as error:\n"
        "    assert isinstance(error, OSError)\n"
        "    print('LibraryLoadError')\n"))
    assert (status, out) == (0, "LibraryLoadError"), err


def header_functions():
    """{name: number of parameters} for every function include/dcs.h declares."""
    header = (REPO / "include" / "dcs.h").read_text()
    header = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    functions = {}
    for match in re.finditer(r"^[a-z][\w \*]*?\b(dcs_\w+)\s*\(([^)]*)\);", header, flags=re.M):
        parameters = match.group(2).strip()
        functions[match.group(1)] = 0 if parameters in ("", "void") else parameters.count(",") + 1
    return functions


def test_every_function_of_the_header_has_argtypes_and_restype():
    functions = header_functions()
    assert len(functions) >= 32  # the parser still finds them all: the header only grows
    assert sorted(_native.PROTOTYPES) == sorted(functions)
    lib = _native.library()
    for name, arity in functions.items():
        restype, argtypes = _native.PROTOTYPES[name]
        function = getattr(lib, name)
        assert function.argtypes == argtypes and len(argtypes) == arity, name
        assert function.restype is restype, name


def test_constants_restated_from_the_header_are_the_header_s():
    """ctypes cannot read a #define: the few the binding needs are restated, and must agree."""
    header = (REPO / "include" / "dcs.h").read_text()

    def macro(name):
        return int(re.search(rf"^#define {name}\s+(\d+)", header, re.MULTILINE).group(1))

    assert _native.DEFAULT_CONNECT_TIMEOUT_MS == macro("DCS_DEFAULT_CONNECT_TIMEOUT_MS")
    assert _native.DEFAULT_TOTAL_TIMEOUT_MS == macro("DCS_DEFAULT_TOTAL_TIMEOUT_MS")
    assert _native.CALL_OPTIONS_VERSION == macro("DCS_CALL_OPTIONS_VERSION")
    assert _native.ABI_MAJOR == macro("DCS_VERSION_MAJOR")
    assert dcs.MAX_IDS_PER_CALL == macro("DCS_MAX_IDS_PER_CALL")
    assert dcs.MAX_IDS_PER_REQUEST == macro("DCS_MAX_IDS_PER_REQUEST")
    assert dcs.MAX_ID_BYTES == macro("DCS_MAX_ID_BYTES")


def test_handles_cannot_be_mixed_up_nor_made_from_ints():
    lib = _native.library()
    with pytest.raises(ctypes.ArgumentError):
        lib.dcs_client_free(_native.ConfigHandle())
    with pytest.raises(ctypes.ArgumentError):
        lib.dcs_results_count(5)
    with pytest.raises(ctypes.ArgumentError):
        lib.dcs_error_free(None)
    assert lib.dcs_results_count(_native.ResultsHandle()) == 0  # a NULL of the right type is fine


def test_names_and_values_are_the_c_ones():
    lib = _native.library()
    for status in dcs.Status:
        assert lib.dcs_status_name(status).decode() == status.c_name
    assert dcs.DcsError("x", status=42).status_name == lib.dcs_status_name(42).decode() == "DCS_UNKNOWN_STATUS"
    assert [s.value for s in dcs.Status] == [0, 1, -1, -2, -3, -4, -5, -6, -7, -8, -9]
    assert dcs.Status.ECANCELED.c_name == lib.dcs_status_name(-8).decode() == "DCS_ECANCELED"
    assert dcs.Status.ESTOPPED.c_name == lib.dcs_status_name(-9).decode() == "DCS_ESTOPPED"
    for outcome in dcs.Outcome:
        assert lib.dcs_outcome_name(outcome.value).decode() == outcome.c_name == str(outcome)
    assert [o.value for o in dcs.Outcome] == [0, 1, 2, 3]
    assert [a.value for a in dcs.Action] == [0, 1, 2]


def test_instance_statuses_are_the_c_ones():
    lib = _native.library()
    assert [s.value for s in dcs.InstanceStatus] == list(range(10))
    for status in dcs.InstanceStatus:
        assert lib.dcs_instance_status_name(status.value).decode() == str(status) == status.c_name
    assert [str(s) for s in dcs.InstanceStatus] == ["OTHER", "CREATING", "CREATEFAILED", "RUNNING", "ERROR",
                                                    "RESTARTING", "FROZEN", "EXTENDING", "RESTORING", "FLUSHING"]
    # A value appended by a newer library is OTHER, as C names it; anything else is no status.
    assert dcs.InstanceStatus(99) is dcs.InstanceStatus.OTHER
    assert lib.dcs_instance_status_name(99).decode() == "OTHER"
    with pytest.raises(ValueError):
        dcs.InstanceStatus("RUNNING")


def test_log_levels_are_the_c_ones():
    lib = _native.library()
    assert [lib.dcs_log_level_name(n).decode() for n in range(5)] == ["debug", "info", "warn", "error", "invalid"]


def test_call_options_match_the_library_s_layout():
    """The struct is filled in Python: what dcs_call_options_init writes is what Python builds."""
    lib = _native.library()
    options = _native.CallOptions(7, 8, _native.CancelHandle(9), 10, 11, 12, 13, _native.ProgressFunction(print),
                                  14)
    lib.dcs_call_options_init(ctypes.byref(options), ctypes.sizeof(options))
    assert (options.version, options.deadline_ms, options.cancel.value, options.wait_running_ms) == (3, 0, None, 0)
    assert (options.wave_size, options.wave_pause_ms, options.keep_going, bool(options.progress),
            options.progress_user) == (0, 0, 0, False, None)
    assert ctypes.sizeof(_native.CallOptions) == 56 and _native.CallOptions.wait_running_ms.offset == 16
    assert _native.CALL_OPTIONS_VERSION == 3
    # Given a version-2 size, the library writes no byte past it and says version 2.
    version_2 = (ctypes.c_ubyte * ctypes.sizeof(_native.CallOptions))(*[0xAB] * ctypes.sizeof(_native.CallOptions))
    lib.dcs_call_options_init(ctypes.cast(version_2, ctypes.POINTER(_native.CallOptions)), 24)
    assert int.from_bytes(bytes(version_2[:4]), "little") == 2 and bytes(version_2[24:]) == b"\xab" * 32
    assert re.fullmatch(r"0\.\d+\.\d+", dcs.version())
    # The libcurl the loaded libdcs runs on: the one the loader gives this process too.
    curl = ctypes.CDLL("libcurl.so.4")
    curl.curl_version.restype = ctypes.c_char_p
    assert curl.curl_version().decode().split()[0] == "libcurl/" + dcs.libcurl_version()


LAYOUT_PROGRAM = r"""
#include <stddef.h>
#include <stdio.h>
#include "dcs.h"
#define FIELD(type, field) printf("%s %s %zu %zu\n", #type, #field, offsetof(type, field), sizeof(((type *)0)->field))
#define SIZE(type) printf("%s - 0 %zu\n", #type, sizeof(type))
int main(void) {
    SIZE(dcs_call_options);
    FIELD(dcs_call_options, version); FIELD(dcs_call_options, deadline_ms); FIELD(dcs_call_options, cancel);
    FIELD(dcs_call_options, wait_running_ms); FIELD(dcs_call_options, wave_size);
    FIELD(dcs_call_options, wave_pause_ms); FIELD(dcs_call_options, keep_going); FIELD(dcs_call_options, progress);
    FIELD(dcs_call_options, progress_user);
    SIZE(dcs_progress);
    FIELD(dcs_progress, event); FIELD(dcs_progress, wave); FIELD(dcs_progress, waves); FIELD(dcs_progress, total);
    FIELD(dcs_progress, done); FIELD(dcs_progress, succeeded); FIELD(dcs_progress, failed);
    FIELD(dcs_progress, unknown); FIELD(dcs_progress, not_sent); FIELD(dcs_progress, in_progress);
    FIELD(dcs_progress, not_started); FIELD(dcs_progress, instance_id); FIELD(dcs_progress, index);
    FIELD(dcs_progress, outcome);
    SIZE(dcs_list_filter);
    FIELD(dcs_list_filter, version); FIELD(dcs_list_filter, name); FIELD(dcs_list_filter, name_exact);
    FIELD(dcs_list_filter, status); FIELD(dcs_list_filter, tags); FIELD(dcs_list_filter, tag_count);
    return 0;
}
"""


def test_the_structs_python_fills_are_the_c_compiler_s(tmp_path):
    """Offsets and sizes of every field of the structs ctypes builds or reads, against what the C
    compiler makes of include/dcs.h: a field missed, moved or of the wrong size shows here."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    source, program = tmp_path / "layout.c", tmp_path / "layout"
    source.write_text(LAYOUT_PROGRAM)
    subprocess.run([compiler, "-std=c11", "-Wall", "-Werror", f"-I{REPO / 'include'}", str(source), "-o",
                    str(program)], check=True)
    in_c = subprocess.run([str(program)], capture_output=True, text=True, check=True).stdout.splitlines()
    structs = {"dcs_call_options": _native.CallOptions, "dcs_progress": _native.ProgressReport,
               "dcs_list_filter": _native.ListFilter}
    in_python = []
    for c_name, structure in structs.items():
        in_python.append(f"{c_name} - 0 {ctypes.sizeof(structure)}")
        for field, _ in structure._fields_:
            descriptor = getattr(structure, field)
            in_python.append(f"{c_name} {field} {descriptor.offset} {descriptor.size}")
    assert in_python == in_c


def test_progress_events_are_the_c_ones():
    header = (REPO / "include" / "dcs.h").read_text()
    in_c = {name: int(value) for name, value in re.findall(r"DCS_PROGRESS_([A-Z_]+)\s*=\s*(\d+)", header)}
    assert in_c == {event.name: event.value for event in dcs.ProgressEvent}
    assert _native.LIST_FILTER_VERSION == int(re.search(r"#define DCS_LIST_FILTER_VERSION (\d+)", header).group(1))


def test_exceptions_are_the_language_s_own():
    assert issubclass(dcs.InvalidArgument, ValueError) and issubclass(dcs.Timeout, TimeoutError)
    assert issubclass(dcs.OutOfMemory, MemoryError)
    for cls in (dcs.PartialFailure, dcs.InvalidArgument, dcs.ConfigError, dcs.TransportError, dcs.Timeout,
                dcs.ApiError, dcs.ProtocolError, dcs.OutOfMemory, dcs.Cancelled, dcs.Stopped):
        assert issubclass(cls, dcs.DcsError)
        assert cls("m").status is cls.default_status
    assert {cls.default_status for cls in dcs.DcsError.__subclasses__()} == set(dcs.Status) - {dcs.Status.OK}
    # Cancelled is a plain Exception: `except Exception` catches it, asyncio does not take it for its own.
    import asyncio
    import concurrent.futures

    assert issubclass(dcs.Cancelled, Exception)
    assert not issubclass(dcs.Cancelled, (asyncio.CancelledError, concurrent.futures.CancelledError))
    from dcs._errors import error_for

    error = error_for(-8, "cancelled")  # how a status from C becomes an exception
    assert type(error) is dcs.Cancelled and error.status is dcs.Status.ECANCELED
    assert error.status_name == "DCS_ECANCELED"
    stopped = error_for(-9, "stopped after wave 2 of 3", results=[dcs.Result("a", dcs.Outcome.NOT_SENT)])
    assert type(stopped) is dcs.Stopped and stopped.status is dcs.Status.ESTOPPED
    assert stopped.results == [dcs.Result("a", dcs.Outcome.NOT_SENT)]
    import pickle

    assert type(pickle.loads(pickle.dumps(stopped))) is dcs.Stopped
