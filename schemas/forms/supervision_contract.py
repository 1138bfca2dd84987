"""Clinical Supervision Contract (1:1 Supervision), from seed ``000_7a59e302829dc164``."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field
from supforms.schemas.common import FormModel, PersonName, ShortText, SignatureInfo, UKDate
from supforms.schemas.declaration import Compliance, Concerns, Declaration, Renewal
from supforms.schemas.hints import Required

__all__ = ["ContractSignatures", "ContractSupervisee", "ContractSupervisor", "SupervisionContract"]


class ContractSupervisee(FormModel):
    name: Annotated[PersonName | None, Field(title="Name of Supervisee"), Required()] = None
    department: Annotated[ShortText | None, Field(title="Department/Team"), Required()] = None
    directorate: Annotated[ShortText | None, Field(title="Directorate")] = None


class ContractSupervisor(FormModel):
    name: Annotated[PersonName | None, Field(title="Name of Supervisor"), Required()] = None


class ContractSignatures(FormModel):
    """The seed has two signature lines and one date line beneath them."""

    supervisee: Annotated[SignatureInfo | None, Field(title="Supervisee signature"), Required()] = (
        None
    )
    supervisor: Annotated[SignatureInfo | None, Field(title="Supervisor signature"), Required()] = (
        None
    )
    date: Annotated[UKDate | None, Field(title="Date"), Required()] = None


class SupervisionContract(FormModel):
    """A supervisee and supervisor agree how their 1:1 clinical supervision works."""

    declaration: ClassVar[Declaration] = Declaration(
        title="Clinical Supervision Contract (1:1 Supervision)",
        concerns=Concerns(
            supervisee="supervisee.name", supervisor="supervisor.name", team="supervisee.department"
        ),
        dated="signatures.date",
        renewal=Renewal(
            months=12, action="re-sign the contract", carries=("supervisee.", "supervisor.")
        ),
        compliance=Compliance(contract=True),
        wording={
            "organisation": "Birmingham & Solihull Training Hub",
            "policies": "Whistle-blowing; Safeguarding, Dignity at Work, Anti-Fraud etc",
        },
        sample={
            "supervisee": {
                "name": "Zoë Ó Briain",
                "department": "Children’s Services — Łódź liaison",
                "directorate": "Ахмед Directorate",
            },
            "supervisor": {"name": "Ayşe Yılmaz"},
            "signatures": {"date": "03/04/2026"},
        },
    )

    form_id: Literal["contract"] = "contract"
    schema_version: Literal["1.1.0"] = "1.1.0"

    supervisee: Annotated[ContractSupervisee, Field(title="Supervisee")] = ContractSupervisee()
    supervisor: Annotated[ContractSupervisor, Field(title="Supervisor")] = ContractSupervisor()
    signatures: Annotated[ContractSignatures, Field(title="Signatures")] = ContractSignatures()
