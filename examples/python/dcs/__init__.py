"""Python binding of libdcs: restart, soft-restart and flush Huawei Cloud DCS (managed Redis)
instances through PUT /v2/{project_id}/instances/status.

    import dcs

    with dcs.Client.from_env() as client:
        try:
            for result in client.restart(["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"]):
                print(result.instance_id, result.outcome)
        except dcs.DcsError as error:
            print(error, error.results)

A call returns only when every instance succeeded; anything else raises a DcsError subclass
carrying every instance's Result, so a partial success can never pass for a full one.
restart(ids, wait=True) also waits until the instances are RUNNING again; restart(ids, wave=5,
progress=...) rolls it over the ids five at a time, stopping (Stopped) after a wave with an
instance that did not come back; Client.list_instances(name=..., status=..., tags=...) finds
them; cancel=CancelToken() and Client.cancel_all() end calls from other threads;
Client(logger=...) logs through logging.
The library libdcs.so is loaded on first use: from $DCS_LIBRARY when set, else the one beside
this package (the wheel carries it), else libdcs.so.0 through the system loader.
"""

from ._cancel import CancelToken
from ._client import DEFAULT_WAIT_SECONDS, Client, check_instance_ids
from ._errors import (ApiError, Cancelled, ConfigError, DcsError, InvalidArgument, OutOfMemory, PartialFailure,
                      ProtocolError, Stopped, Timeout, TransportError)
from ._native import MAX_IDS_PER_CALL, LibraryLoadError
from ._values import Action, Instance, InstanceStatus, Outcome, Progress, ProgressEvent, Result, Status

__version__ = "0.1.0"

# From include/dcs.h (and MAX_IDS_PER_CALL, DCS_MAX_IDS_PER_CALL).
MAX_IDS_PER_REQUEST = 50
MAX_ID_BYTES = 128


def version() -> str:
    """The loaded libdcs's version, "MAJOR.MINOR.PATCH" (loads the library)."""
    from ._native import library

    version: bytes = library().dcs_version()
    return version.decode("ascii")


def libcurl_version() -> str:
    """The version of the libcurl the loaded libdcs runs on, "7.88.1" (loads the library)."""
    from ._native import library

    version: bytes = library().dcs_libcurl_version()
    return version.decode("ascii", "replace")


__all__ = [
    "Action", "ApiError", "Cancelled", "CancelToken", "check_instance_ids", "Client", "ConfigError", "DcsError",
    "DEFAULT_WAIT_SECONDS", "Instance", "InstanceStatus", "InvalidArgument", "LibraryLoadError", "MAX_ID_BYTES",
    "MAX_IDS_PER_CALL", "MAX_IDS_PER_REQUEST", "Outcome", "OutOfMemory", "PartialFailure", "Progress",
    "ProgressEvent", "ProtocolError", "Result", "Status", "Stopped", "Timeout", "TransportError", "libcurl_version",
    "version",
]
