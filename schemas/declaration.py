"""What supforms needs to know about a form besides its fields, declared on its model.

A form's model carries one ``Declaration`` as the class variable ``declaration``:
its title, whom it concerns (which values name the supervisee, the supervisor,
the team, the case), the date it was made on, its renewal rule, the subject of
the email that sends it, the defaults of its wording variables, what compliance
reads from it (``Compliance``) and a sample of filled-in values. The store,
exports, ``records due``, ``records compliance``, delivery, ``setup.sh`` and the
tests read it from here, so no other module names a form.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = [
    "Actions",
    "Compliance",
    "Concerns",
    "Declaration",
    "Frequency",
    "Renewal",
    "Session",
    "missing_paths",
    "value_at",
]


@dataclass(frozen=True)
class Concerns:
    """Which value (a dotted path of the form's data) names each party the form concerns.

    ``None``: the form does not say. The records store keeps these values as the
    columns a return is found by (``records list --person/--team``).
    """

    supervisee: str | None = None
    supervisor: str | None = None
    team: str | None = None
    case: str | None = None


@dataclass(frozen=True)
class Renewal:
    """A form that falls due again ``months`` after its date; ``action`` says what to do."""

    months: int
    action: str
    carries: tuple[str, ...] = ()
    """Dotted paths (or their beginnings, ``supervisee.``) of the values a renewal copy
    is prefilled with from the record it renews; never its date."""


@dataclass(frozen=True)
class Frequency:
    """Where a form states how often supervision happens: dotted paths of whole numbers.

    The agreement's "We will meet at least ..... times a year – once every ..... weeks".
    """

    sessions_per_year: str | None = None
    weeks_between: str | None = None


@dataclass(frozen=True)
class Actions:
    """A repeated field of action points, and where each row says what, who and by when.

    ``path`` is the list's dotted path; the others are paths within one row.
    ``agreed_on`` (the date the action was first agreed) and ``outcome`` (whose
    values in ``done`` mean it is done) are for actions carried over to be followed up.
    """

    path: str
    what: str
    who: str | None = None
    by_when: str | None = None
    agreed_on: str | None = None
    outcome: str | None = None
    done: tuple[str, ...] = ()

    def row_paths(self) -> list[str]:
        """The paths of the first row's values, as the form's data names them."""
        inner = (self.what, self.who, self.by_when, self.agreed_on, self.outcome)
        return [f"{self.path}.0.{name}" for name in inner if name]


@dataclass(frozen=True)
class Session:
    """A form that records one supervision session (``records compliance`` counts it).

    ``formal``: the path of the value saying whether it was formal supervision, and
    ``formal_values`` the values that mean it was (None: every session is formal;
    informal ones are listed, not counted against the agreement). ``actions``: the
    action points agreed at it; ``carried``: those carried over from the session
    before, each marked done or not. ``signed_on``: the dates it was signed; it was
    written up on the last of them. ``next_session``: the date of the next one.
    """

    held_on: str
    formal: str | None = None
    formal_values: tuple[str | bool | int, ...] = (True,)
    actions: Actions | None = None
    carried: Actions | None = None
    signed_on: tuple[str, ...] = ()
    next_session: str | None = None

    def paths(self) -> list[str]:
        lists = [a.row_paths() for a in (self.actions, self.carried) if a is not None]
        return [
            self.held_on,
            *filter(None, (self.formal, self.next_session)),
            *self.signed_on,
            *(path for paths in lists for path in paths),
        ]


@dataclass(frozen=True)
class Compliance:
    """What ``records compliance`` reads from a form; a form may play none of these roles.

    ``frequency``: it states how often supervision happens (an agreement), counted
    from its ``dated`` value and reviewed by its renewal rule. ``session``: it
    records a session. ``contract``: it is the contract, re-signed by its renewal
    rule. A plugin form that declares the same counts the same.
    """

    frequency: Frequency | None = None
    session: Session | None = None
    contract: bool = False

    def paths(self) -> list[str]:
        frequency = self.frequency or Frequency()
        stated = [frequency.sessions_per_year, frequency.weeks_between]
        return [*filter(None, stated), *(self.session.paths() if self.session else [])]


@dataclass(frozen=True)
class Declaration:
    """Everything about a form that is not one of its fields."""

    title: str
    concerns: Concerns = Concerns()
    dated: str | None = None
    """The date the form was made on (agreed, signed, held): a dotted path, or None."""
    renewal: Renewal | None = None
    """When a complete return falls due again (``records due``); needs ``dated``."""
    email_subject: str = ""
    """The subject of the email that sends it; empty: "Please fill in and sign: <title>"."""
    wording: Mapping[str, str] = field(default_factory=dict)
    """The variables of its wording template and their defaults (``--config`` overrides)."""
    compliance: Compliance = Compliance()
    """What ``records compliance`` reads from it: a frequency, a session, the contract."""
    sample: Mapping[str, Any] = field(default_factory=dict)
    """A filled-in example (nested or dotted keys): documentation, tests, benchmarks."""

    @property
    def subject(self) -> str:
        return self.email_subject or f"Please fill in and sign: {self.title}"

    def about(self, values: Mapping[str, Any]) -> str:
        """Whom or what a copy is about: the supervisee, else the case, else the supervisor."""
        for path in (self.concerns.supervisee, self.concerns.case, self.concerns.supervisor):
            value = value_at(values, path) if path else None
            if isinstance(value, str) and value:
                return value
        return ""


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of nested data (or of already flat, dotted data)."""
    if path in data:
        return data[path]
    node: Any = data
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _bare(tp: Any) -> Any:
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            args = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def missing_paths(model: type[BaseModel], declaration: Declaration) -> list[str]:
    """The paths the declaration names that are not values of ``model``."""
    named = [
        declaration.concerns.supervisee,
        declaration.concerns.supervisor,
        declaration.concerns.team,
        declaration.concerns.case,
        declaration.dated,
        *declaration.compliance.paths(),
    ]
    missing = []
    for path in filter(None, named):
        node: Any = model
        for part in path.split("."):
            if get_origin(node) is list:
                node = _bare(get_args(node)[0]) if part.isdigit() else None
                continue
            fields = (
                node.model_fields if isinstance(node, type) and issubclass(node, BaseModel) else {}
            )
            if part not in fields:
                node = None
                break
            node = _bare(fields[part].annotation)
        if node is None:
            missing.append(path)
    return missing
