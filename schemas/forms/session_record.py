"""Supervision Session Record (1:1), from seed ``003_820fea46214bbae8``.

The agreement seed says how a session is recorded ("Recording of Sessions") and
what it covers ("Content of Supervision"): the supervisor records it, the
supervisee signs a copy, case discussions go onto the child/family file (so this
record holds case references only), and each session ends with action points.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field
from supforms.schemas.common import (
    FormModel,
    FreeText,
    JobTitle,
    NextStep,
    PersonName,
    ShortText,
    SignatureBlock,
    UKDate,
)
from supforms.schemas.declaration import Actions, Compliance, Concerns, Declaration, Session
from supforms.schemas.hints import Multiline, Required, YesNo

__all__ = [
    "ActionPoint",
    "CarriedAction",
    "Discussed",
    "SessionRecord",
    "SessionSignatures",
    "SessionSupervisee",
    "SessionSupervisor",
]


class SessionSupervisee(FormModel):
    name: Annotated[PersonName | None, Field(title="Name of Supervisee"), Required()] = None
    job_title: Annotated[JobTitle | None, Field(title="Job Title"), Required()] = None


class SessionSupervisor(FormModel):
    name: Annotated[PersonName | None, Field(title="Name of Supervisor"), Required()] = None
    job_title: Annotated[JobTitle | None, Field(title="Job Title"), Required()] = None


class Discussed(FormModel):
    """What was discussed, under the seed's four headings of "Content of Supervision"."""

    case_work: Annotated[
        FreeText(350) | None,
        Field(title="Case-work - decision-making and reflection"),
        Multiline(5),
    ] = None
    caseload: Annotated[
        FreeText(350) | None, Field(title="Caseload - workload management"), Multiline(5)
    ] = None
    career: Annotated[
        FreeText(350) | None, Field(title="Career – professional development"), Multiline(5)
    ] = None
    care: Annotated[
        FreeText(350) | None,
        Field(title="Care - Line management and organisational accountability"),
        Multiline(5),
    ] = None


class ActionPoint(FormModel):
    """An action point agreed at the end of this session: what, who, by when."""

    what: Annotated[NextStep | None, Field(title="Action point")] = None
    who: Annotated[PersonName | None, Field(title="Who")] = None
    by_when: Annotated[UKDate | None, Field(title="By when")] = None


Outcome = Literal["Done", "Carried on"]
"""What became of an action carried over: done, or carried on to the next session."""


class CarriedAction(FormModel):
    """An open action point of an earlier session, brought to this one to be followed up."""

    what: Annotated[NextStep | None, Field(title="Action point")] = None
    who: Annotated[PersonName | None, Field(title="Who")] = None
    by_when: Annotated[UKDate | None, Field(title="By when")] = None
    agreed_on: Annotated[UKDate | None, Field(title="Agreed on")] = None
    outcome: Annotated[Outcome | None, Field(title="Outcome")] = None


class SessionSignatures(FormModel):
    supervisee: Annotated[SignatureBlock, Field(title="Supervisee")] = SignatureBlock()
    supervisor: Annotated[SignatureBlock, Field(title="Supervisor")] = SignatureBlock()


class SessionRecord(FormModel):
    """One 1:1 supervision session: what was discussed and agreed, and earlier actions followed."""

    declaration: ClassVar[Declaration] = Declaration(
        title="Supervision Session Record (1:1)",
        concerns=Concerns(supervisee="supervisee.name", supervisor="supervisor.name"),
        dated="held_on",
        email_subject="Supervision session record to check and sign",
        compliance=Compliance(
            session=Session(
                held_on="held_on",
                formal="formal",
                formal_values=(True,),
                actions=Actions("actions", what="what", who="who", by_when="by_when"),
                carried=Actions(
                    "carried",
                    what="what",
                    who="who",
                    by_when="by_when",
                    agreed_on="agreed_on",
                    outcome="outcome",
                    done=("Done",),
                ),
                signed_on=("signatures.supervisee.date", "signatures.supervisor.date"),
                next_session="next_session",
            )
        ),
        wording={
            "tagline": "Children at the heart of Effective Supervision",
            "policy": "Supervision Policy",
            "records_store": "Sharepoint",
        },
        sample={
            "supervisee": {"name": "Łukasz Wiśniewski", "job_title": "Social Worker"},
            "supervisor": {"name": "Ахмед Иванов", "job_title": "Team Manager"},
            "held_on": "08/05/2026",
            "duration_minutes": 95,
            "formal": True,
            "discussed": {
                # Two lines, broken where the person broke them: a line the box wraps
                # reads back, from a return printed to PDF, as two (a person checks it).
                "case_work": "Two assessments due this month.\n"
                "Agreed the threshold for the Hughes referral; reflected on the strategy meeting.",
                "caseload": "Caseload at 18; one transfer to the Long-Term team agreed.",
                "career": "Practice educator course starts in September.",
                "care": "Annual leave in June booked; no concerns about wellbeing.",
            },
            "cases_on_file": True,
            "case_references": "CF-0042, CF-0107",
            "actions": [
                {
                    "what": "Complete the Hughes single assessment",
                    "who": "Łukasz Wiśniewski",
                    "by_when": "22/05/2026",
                },
                {
                    "what": "Ask the Long-Term team to accept CF-0107",
                    "who": "Ахмед Иванов",
                    "by_when": "15/05/2026",
                },
            ],
            "carried": [
                {
                    "what": "Book the practice educator course",
                    "who": "Łukasz Wiśniewski",
                    "by_when": "30/04/2026",
                    "agreed_on": "03/04/2026",
                    "outcome": "Done",
                }
            ],
            "next_session": "05/06/2026",
            "signatures": {"supervisor": {"date": "08/05/2026"}},
        },
    )

    form_id: Literal["session-record"] = "session-record"
    schema_version: Literal["1.1.0"] = "1.1.0"

    supervisee: Annotated[SessionSupervisee, Field(title="Supervisee")] = SessionSupervisee()
    supervisor: Annotated[SessionSupervisor, Field(title="Supervisor")] = SessionSupervisor()
    held_on: Annotated[UKDate | None, Field(title="Date of session"), Required()] = None
    duration_minutes: Annotated[
        int | None, Field(title="How long the session lasted (minutes)", ge=1, le=600), Required()
    ] = None
    formal: Annotated[
        bool | None,
        Field(title="Formal supervision? (No: accounted for as informal supervision)"),
        YesNo(),
        Required(),
    ] = None
    cases_on_file: Annotated[
        bool | None,
        Field(
            title="Case discussions recorded on the child/family file (case references only here)"
        ),
    ] = None
    case_references: Annotated[ShortText | None, Field(title="Case references")] = None
    discussed: Annotated[Discussed, Field(title="What was discussed")] = Discussed()
    actions: Annotated[
        list[ActionPoint], Field(title="Action point", max_length=6, default_factory=list)
    ]
    carried: Annotated[
        list[CarriedAction],
        Field(title="Action carried over", max_length=6, default_factory=list),
    ]
    next_session: Annotated[UKDate | None, Field(title="Date of next session")] = None
    signatures: Annotated[SessionSignatures, Field(title="Signatures")] = SessionSignatures()
