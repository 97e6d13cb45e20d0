"""The values a call deals in: statuses, outcomes, actions, instance statuses, one instance's
result, the progress of a call and a listed instance."""

from __future__ import annotations

import enum
# Annotations only (they are not evaluated, see __future__): typing is not imported at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional


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
    ESTOPPED = -9

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


class ProgressEvent(enum.Enum):
    """enum dcs_progress_event: what a progress callback is told about, with the C values."""

    WAVE_START = 0
    """A wave is about to be sent: its ids move from not_started to in_progress."""
    INSTANCE_DONE = 1
    """The outcome of instance_id is final."""
    WAVE_DONE = 2
    """A wave is over: every id of it is done (or counted in not_sent when the call stopped)."""
    FINISHED = 3
    """The call is over: the last report, its counts those of the results."""

    def __str__(self) -> str:
        return self.name.lower()


class _Record:
    """An immutable record with __slots__, compared and hashed by all its fields (a frozen
    dataclass without the cost of importing dataclasses, as Result)."""

    __slots__ = ()

    def __init__(self, *values: object, **fields: object) -> None:
        names = self.__slots__
        if len(values) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields, not {len(values)}")
        given = dict(zip(names, values))
        for name, value in fields.items():
            if name not in names or name in given:
                raise TypeError(f"{type(self).__name__} got an unexpected or repeated field {name!r}")
            given[name] = value
        missing = [name for name in names if name not in given]
        if missing:
            raise TypeError(f"{type(self).__name__} misses the fields {', '.join(missing)}")
        for name in names:
            object.__setattr__(self, name, given[name])

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple:
        return (self.__class__, self._values())


class Progress(_Record):
    """Where a call stands, as its progress callback sees it (struct dcs_progress). Immutable.

    At every report: total == done + in_progress + not_started, and
    done == succeeded + failed + unknown + not_sent.

    event: the ProgressEvent.
    wave, waves: the wave concerned (1 to waves; the last one started, for FINISHED) and how
        many the call was planned in (1 without wave=).
    total: the number of ids of the call.
    done: ids whose outcome is final: succeeded, failed, unknown or not_sent (the Outcomes).
    in_progress: ids of the current wave whose outcome is not final yet.
    not_started: ids of later waves, not sent yet.
    instance_id, index, outcome: for INSTANCE_DONE, the id concerned, its position among the
        call's ids and its Outcome; None for the other events.
    """

    __slots__ = ("event", "wave", "waves", "total", "done", "succeeded", "failed", "unknown", "not_sent",
                 "in_progress", "not_started", "instance_id", "index", "outcome")
    event: ProgressEvent
    wave: int
    waves: int
    total: int
    done: int
    succeeded: int
    failed: int
    unknown: int
    not_sent: int
    in_progress: int
    not_started: int
    instance_id: Optional[str]
    index: Optional[int]
    outcome: Optional[Outcome]


class Instance(_Record):
    """One instance a listing found (Client.list_instances). Immutable, compared and hashed by
    all its fields.

    id, name, engine ("Redis", "Memcached"), engine_version ("6.0"): as the service gave them;
    "" for a field its answer lacked.
    status: an InstanceStatus; OTHER for one this library does not know, which status_text
        then names.
    status_text: the status as the service spelled it ("RUNNING").
    """

    __slots__ = ("id", "name", "status", "status_text", "engine", "engine_version")
    id: str
    name: str
    status: InstanceStatus
    status_text: str
    engine: str
    engine_version: str
