"""Earlier versions of the forms, kept so that returns issued under them are read by their rules.

Version 1.1.0 lowered the longest names, job titles and short texts to what the
forms' boxes show whole at 8 pt; 1.0.0 accepted longer values (a name of 100
characters, a job title of 150, a team of 200). The group record's 1.2.0 and the
session record's 1.1.0 lowered free-text answers from 4,000 characters to what each
box shows whole as people type (``schemas.common.FreeText``). A return holding a
longer value is still valid under the schema it was issued with, and prints whole
(``records show --print``: continuation pages). Each model here is its newer
counterpart with the older limits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from supforms.schemas.common import LongText
from supforms.schemas.common import no_control_characters as _no_control_characters
from supforms.schemas.forms.group_record import Action, GroupRecord, Participant, Review, Scales
from supforms.schemas.forms.session_record import Discussed, SessionRecord
from supforms.schemas.forms.supervision_agreement import (
    AgreementSupervisee,
    AgreementSupervisor,
    SupervisionAgreement,
)
from supforms.schemas.forms.supervision_contract import (
    ContractSupervisee,
    ContractSupervisor,
    SupervisionContract,
)
from supforms.schemas.hints import Multiline, Required

__all__ = [
    "LEGACY",
    "AgreementV100",
    "ContractV100",
    "GroupRecordV100",
    "GroupRecordV110",
    "SessionRecordV100",
]


PersonName100 = Annotated[
    str, Field(min_length=1, max_length=100), AfterValidator(_no_control_characters)
]
JobTitle150 = Annotated[
    str, Field(min_length=1, max_length=150), AfterValidator(_no_control_characters)
]
ShortText200 = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_no_control_characters)
]


class ContractSuperviseeV100(ContractSupervisee):
    name: Annotated[PersonName100 | None, Field(title="Name of Supervisee"), Required()] = None
    department: Annotated[ShortText200 | None, Field(title="Department/Team"), Required()] = None
    directorate: Annotated[ShortText200 | None, Field(title="Directorate")] = None


class ContractSupervisorV100(ContractSupervisor):
    name: Annotated[PersonName100 | None, Field(title="Name of Supervisor"), Required()] = None


class ContractV100(SupervisionContract):
    schema_version: Literal["1.0.0"] = "1.0.0"  # type: ignore[assignment]
    supervisee: Annotated[ContractSuperviseeV100, Field(title="Supervisee")] = (
        ContractSuperviseeV100()
    )
    supervisor: Annotated[ContractSupervisorV100, Field(title="Supervisor")] = (
        ContractSupervisorV100()
    )


class AgreementSuperviseeV100(AgreementSupervisee):
    name: Annotated[PersonName100 | None, Field(title="Name of Supervisee"), Required()] = None
    job_title: Annotated[JobTitle150 | None, Field(title="Job Title"), Required()] = None


class AgreementSupervisorV100(AgreementSupervisor):
    name: Annotated[PersonName100 | None, Field(title="Name of Supervisor"), Required()] = None
    job_title: Annotated[JobTitle150 | None, Field(title="Job Title"), Required()] = None


class AgreementV100(SupervisionAgreement):
    schema_version: Literal["1.0.0"] = "1.0.0"  # type: ignore[assignment]
    supervisee: Annotated[AgreementSuperviseeV100, Field(title="Supervisee")] = (
        AgreementSuperviseeV100()
    )
    supervisor: Annotated[AgreementSupervisorV100, Field(title="Supervisor")] = (
        AgreementSupervisorV100()
    )


class ParticipantV100(Participant):
    name: Annotated[PersonName100 | None, Field(title="Name")] = None
    team: Annotated[ShortText200 | None, Field(title="Team")] = None


class ActionV100(Action):
    action: Annotated[ShortText200 | None, Field(title="Next step")] = None
    by_whom: Annotated[PersonName100 | None, Field(title="By whom")] = None


class ScalesV110(Scales):
    questions: Annotated[
        LongText | None,
        Field(title="Scaling questions that could be used with the family"),
        Multiline(4),
    ] = None


class ReviewV110(Review):
    most_helpful: Annotated[
        LongText | None,
        Field(title="What has been most helpful for the practitioner?"),
        Multiline(6),
    ] = None


class GroupRecordV110(GroupRecord):
    schema_version: Literal["1.1.0"] = "1.1.0"  # type: ignore[assignment]
    genogram: Annotated[
        LongText | None, Field(title="Genogram: family structure"), Multiline(14)
    ] = None
    description: Annotated[
        LongText | None,
        Field(title="Description of the child or young person’s situation"),
        Multiline(6),
        Required(),
    ] = None
    workers_goal: Annotated[
        LongText | None,
        Field(title="Worker’s goal: what do they want out of the consultation?"),
        Multiline(3),
        Required(),
    ] = None
    danger_statements: Annotated[
        LongText | None, Field(title="Draft danger / worry statements"), Multiline(5)
    ] = None
    working_well: Annotated[LongText | None, Field(title="What’s working well?"), Multiline(6)] = (
        None
    )
    scales: Annotated[ScalesV110, Field(title="Scales")] = ScalesV110()
    worries: Annotated[LongText | None, Field(title="What are we worried about?"), Multiline(6)] = (
        None
    )
    safety_goals: Annotated[LongText | None, Field(title="Safety goals"), Multiline(5)] = None
    review: Annotated[ReviewV110, Field(title="Review")] = ReviewV110()


class GroupRecordV100(GroupRecordV110):
    schema_version: Literal["1.0.0"] = "1.0.0"  # type: ignore[assignment]
    case_reference: Annotated[
        ShortText200 | None,
        Field(title="Child / family case reference"),
        Required(),
    ] = None
    team: Annotated[ShortText200 | None, Field(title="Team")] = None
    participants: Annotated[  # type: ignore[assignment]
        list[ParticipantV100],
        Field(title="Participant", max_length=10, default_factory=list),
    ]
    actions: Annotated[  # type: ignore[assignment]
        list[ActionV100], Field(title="Next step", max_length=6, default_factory=list)
    ]


class DiscussedV100(Discussed):
    case_work: Annotated[
        LongText | None, Field(title="Case-work - decision-making and reflection"), Multiline(5)
    ] = None
    caseload: Annotated[
        LongText | None, Field(title="Caseload - workload management"), Multiline(5)
    ] = None
    career: Annotated[
        LongText | None, Field(title="Career – professional development"), Multiline(5)
    ] = None
    care: Annotated[
        LongText | None,
        Field(title="Care - Line management and organisational accountability"),
        Multiline(5),
    ] = None


class SessionRecordV100(SessionRecord):
    schema_version: Literal["1.0.0"] = "1.0.0"  # type: ignore[assignment]
    discussed: Annotated[DiscussedV100, Field(title="What was discussed")] = DiscussedV100()


LEGACY = (
    ContractV100,
    AgreementV100,
    GroupRecordV110,
    GroupRecordV100,
    SessionRecordV100,
)
