"""Version 1.0.0 of every form, kept so that returns issued under it are read by its rules.

Version 1.1.0 lowered the longest names, job titles and short texts to what the
forms' boxes show whole at 8 pt; 1.0.0 accepted longer values (a name of 100
characters, a job title of 150, a team of 200), and a 1.0.0 return holding one is
still valid under the schema it was issued with. Each model here is its 1.1.0
counterpart with 1.0.0's limits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from supforms.schemas.common import no_control_characters as _no_control_characters
from supforms.schemas.forms.group_record import Action, GroupRecord, Participant
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
from supforms.schemas.hints import Required

__all__ = ["LEGACY", "AgreementV100", "ContractV100", "GroupRecordV100"]


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


class GroupRecordV100(GroupRecord):
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


LEGACY = (ContractV100, AgreementV100, GroupRecordV100)
