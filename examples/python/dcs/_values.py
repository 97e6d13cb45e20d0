"""The values a call deals in: statuses, outcomes, actions, instance statuses and one instance's
result."""

from __future__ import annotations

import enum


class Status(enum.IntEnum):
    """enum dcs_status: the status of a call, with the C values."""

    OK = 0
    EPARTIAL = 1
    EINVAL = -1
    ECONFIG = -2
    ETRANSPORT = -3
    ETIMEOUT = -4
    EAPI = -5
    EPROTOCOL = -6
    ENOMEM = -7
    ECANCELED = -8

    @property
    def c_name(self) -> str:
        """The name dcs_status_name gives: "DCS_OK", "DCS_EAPI", ..."""
        return "DCS_" + self.name


class Outcome(enum.Enum):
    """enum dcs_outcome: what happened to one instance, with the C values.

    `str(outcome)` and `outcome.c_name` are the names dcs_outcome_name gives and dcsctl prints:
    "success", "failed", "not_sent", "unknown".
    """

    SUCCESS = 0
    """The service reported success."""
    FAILED = 1
    """The service reported failure, or refused the request: not applied."""
    NOT_SENT = 2
    """No request for it reached the service: certainly not applied."""
    UNKNOWN = 3
    """Sent, but no answer says what happened: it may have been applied."""

    @property
    def c_name(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        return self.c_name


class Action(enum.Enum):
    """enum dcs_action: what a call does. `str(action)` is the API's name ("soft_restart")."""

    RESTART = 0
    """Force restart of the instance."""
    SOFT_RESTART = 1
    """Restart of the Redis process only."""
    FLUSH = 2
    """Delete all data: cannot be undone; Redis 4.0 and later."""

    def __str__(self) -> str:
        return self.name.lower()


class InstanceStatus(enum.Enum):
    """enum dcs_instance_status: an instance's status as the service reports it, with the C values.

    `str(status)` is the service's name, as dcs_instance_status_name gives it: "RUNNING",
    "RESTARTING", ...; "OTHER" for a status this version of the library does not know.
    """

    OTHER = 0
    """A status the library does not know."""
    CREATING = 1
    CREATEFAILED = 2
    RUNNING = 3
    """The only status that serves traffic."""
    ERROR = 4
    RESTARTING = 5
    FROZEN = 6
    EXTENDING = 7
    RESTORING = 8
    FLUSHING = 9

    @classmethod
    def _missing_(cls, value: object) -> "InstanceStatus":
        # A value appended by a newer library: one this binding does not know.
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.OTHER
        return None  # type: ignore[return-value]  # ValueError, as for any enum

    @property
    def c_name(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


class Result:
    """The outcome of one instance of a call. Immutable, compared and hashed by value: by
    instance_id and outcome.

    request_id is the X-Request-Id of the service's answer to the request that carried the
    instance (dcs_results_request_id; what Huawei's support asks for), shared by the instances
    of one request of at most 50; "" when no answer came for it (NOT_SENT, or UNKNOWN after a
    timeout or a reset) and for the results of wait_running(), which sends no action. It says
    where the outcome came from and is not part of the value: the same outcome from another
    answer is the same Result.

    (A plain class rather than a frozen dataclass: importing dataclasses costs more than the
    rest of this package.)"""

    __slots__ = ("instance_id", "outcome", "request_id")
    instance_id: str
    outcome: Outcome
    request_id: str

    def __init__(self, instance_id: str, outcome: Outcome, request_id: str = "") -> None:
        object.__setattr__(self, "instance_id", instance_id)
        object.__setattr__(self, "outcome", outcome)
        object.__setattr__(self, "request_id", request_id)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: Result is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: Result is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Result:
            return NotImplemented
        return (self.instance_id, self.outcome) == (other.instance_id, other.outcome)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.instance_id, self.outcome))

    def __repr__(self) -> str:
        return f"Result(instance_id={self.instance_id!r}, outcome={self.outcome!r}, request_id={self.request_id!r})"

    def __reduce__(self) -> tuple:
        return (Result, (self.instance_id, self.outcome, self.request_id))
