"""Supervision Agreement, from the body of seed ``003_820fea46214bbae8``."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field
from supforms.schemas.common import FormModel, JobTitle, PersonName, SignatureBlock, UKDate
from supforms.schemas.declaration import Compliance, Concerns, Declaration, Frequency, Renewal
from supforms.schemas.hints import Required

__all__ = [
    "AgreementSignatures",
    "AgreementSupervisee",
    "AgreementSupervisor",
    "Regularity",
    "SupervisionAgreement",
]


class AgreementSupervisee(FormModel):
    name: Annotated[PersonName | None, Field(title="Name of Supervisee"), Required()] = None
    job_title: Annotated[JobTitle | None, Field(title="Job Title"), Required()] = None


class AgreementSupervisor(FormModel):
    name: Annotated[PersonName | None, Field(title="Name of Supervisor"), Required()] = None
    job_title: Annotated[JobTitle | None, Field(title="Job Title"), Required()] = None


class Regularity(FormModel):
    """The dotted blanks of "We will meet at least ..... times a year – once every ..... weeks"."""

    sessions_per_year: Annotated[
        int | None, Field(title="Sessions a year (at least)", ge=1, le=52), Required()
    ] = None
    weeks_between_sessions: Annotated[
        int | None, Field(title="Weeks between sessions", ge=1, le=52), Required()
    ] = None


class AgreementSignatures(FormModel):
    supervisee: Annotated[SignatureBlock, Field(title="Supervisee")] = SignatureBlock()
    supervisor: Annotated[SignatureBlock, Field(title="Supervisor")] = SignatureBlock()


class SupervisionAgreement(FormModel):
    """A supervisee and supervisor agree the aims, rhythm and ground rules of supervision."""

    declaration: ClassVar[Declaration] = Declaration(
        title="Supervision Agreement",
        concerns=Concerns(supervisee="supervisee.name", supervisor="supervisor.name"),
        dated="agreed_on",
        renewal=Renewal(
            months=12,
            action="review the agreement",
            carries=("supervisee.", "supervisor.", "regularity."),
        ),
        compliance=Compliance(
            frequency=Frequency(
                sessions_per_year="regularity.sessions_per_year",
                weeks_between="regularity.weeks_between_sessions",
            )
        ),
        wording={
            "tagline": "Children at the heart of Effective Supervision",
            "policy": "Supervision Policy",
            "employer": "HCC",
            "records_store": "Sharepoint",
            "case_system": "MOSAIC",
        },
        sample={
            "supervisee": {"name": "Łukasz Wiśniewski", "job_title": "Social Worker"},
            "supervisor": {"name": "Ахмед Иванов", "job_title": "Team Manager"},
            "agreed_on": "2026-04-03",
            "regularity": {"sessions_per_year": 10, "weeks_between_sessions": 5},
            "signatures": {"supervisee": {"date": "04/04/2026"}},
        },
    )

    form_id: Literal["agreement"] = "agreement"
    schema_version: Literal["1.1.0"] = "1.1.0"

    supervisee: Annotated[AgreementSupervisee, Field(title="Supervisee")] = AgreementSupervisee()
    supervisor: Annotated[AgreementSupervisor, Field(title="Supervisor")] = AgreementSupervisor()
    agreed_on: Annotated[UKDate | None, Field(title="Date of Agreement"), Required()] = None
    regularity: Annotated[Regularity, Field(title="Regularity of Supervision")] = Regularity()
    signatures: Annotated[AgreementSignatures, Field(title="Signatures")] = AgreementSignatures()
