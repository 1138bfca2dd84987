"""Group Supervision Record (Signs of Safety), from appendices 2 and 3 of seed ``003_820f…``.

The seed describes a ten-step process rather than printing a form, so the record
has one part per step; the appendix 3 questions are printed as prompts.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field
from supforms.schemas.common import (
    FormModel,
    FreeText,
    NextStep,
    PersonName,
    ScaleValue,
    ShortText,
    SignatureBlock,
    TeamName,
    UKDate,
)
from supforms.schemas.declaration import Concerns, Declaration
from supforms.schemas.hints import Multiline, Required, Scale, YesNo

__all__ = [
    "Action",
    "GroupRecord",
    "GroupRole",
    "GroupSignatures",
    "Participant",
    "Review",
    "Scales",
]

GroupRole = Literal[
    "Facilitator", "Advisor", "Practitioner bringing the case", "Observer/participant"
]
"""The roles appendix 2 names: a facilitator, an advisor, the practitioner and observers."""


class Participant(FormModel):
    name: Annotated[PersonName | None, Field(title="Name")] = None
    role: Annotated[GroupRole | None, Field(title="Role")] = None
    team: Annotated[TeamName | None, Field(title="Team")] = None


class Scales(FormModel):
    safety: Annotated[
        ScaleValue | None,
        Field(
            title="Safety scale: Where do you rate the child’s safety with this mother "
            "on a scale of 0–10?"
        ),
        Scale(0, 10),
    ] = None
    plan_confidence: Annotated[
        ScaleValue | None,
        Field(
            title="Confidence scale: Is this a plan that the parents believe in? On a scale "
            "of 0–10, what confidence would they say that they have in it keeping the child safe?"
        ),
        Scale(0, 10),
    ] = None
    questions: Annotated[
        FreeText(350) | None,
        Field(title="Scaling questions that could be used with the family"),
        Multiline(4),
    ] = None


class Review(FormModel):
    most_helpful: Annotated[
        FreeText(1000) | None,
        Field(title="What has been most helpful for the practitioner?"),
        Multiline(6),
    ] = None
    enough_for_now: Annotated[bool | None, Field(title="Is this enough for now?"), YesNo()] = None


class Action(FormModel):
    action: Annotated[NextStep | None, Field(title="Next step")] = None
    by_whom: Annotated[PersonName | None, Field(title="By whom")] = None
    by_when: Annotated[UKDate | None, Field(title="By when")] = None


class GroupSignatures(FormModel):
    facilitator: Annotated[SignatureBlock, Field(title="Facilitator")] = SignatureBlock()


class GroupRecord(FormModel):
    """What a Signs of Safety group supervision of one case found and decided."""

    declaration: ClassVar[Declaration] = Declaration(
        title="Group Supervision Record (Signs of Safety)",
        concerns=Concerns(team="team", case="case_reference"),
        dated="held_on",
        wording={"case_system": "Mosaic"},
        sample={
            "held_on": "21/11/2026",
            "case_reference": "CF-0042",
            "team": "East",
            "participants": [
                {"name": "Zoë Ó Briain", "role": "Facilitator", "team": "East"},
                {"name": "Ελένη Παπαδοπούλου", "role": "Observer/participant"},
            ],
            "genogram": "Mother (Ayşe, 34)\nFather (Łukasz, 36)\nMaya (7), Jon (3)",
            "description": "Maya has missed twelve days of school this term.",
            "workers_goal": "Decide whether a conference is needed.",
            "scales": {"safety": 4, "plan_confidence": 7},
            "review": {"enough_for_now": True},
            "actions": [
                {"action": "Visit with grandmother", "by_whom": "Ахмед", "by_when": "28/11/2026"}
            ],
        },
    )

    form_id: Literal["group-record"] = "group-record"
    schema_version: Literal["1.2.0"] = "1.2.0"

    held_on: Annotated[UKDate | None, Field(title="Date of supervision"), Required()] = None
    case_reference: Annotated[
        ShortText | None, Field(title="Child / family case reference"), Required()
    ] = None
    team: Annotated[TeamName | None, Field(title="Team")] = None
    participants: Annotated[
        list[Participant],
        Field(title="Participant", max_length=10, default_factory=list),
    ]
    genogram: Annotated[
        FreeText(1200) | None, Field(title="Genogram: family structure"), Multiline(14)
    ] = None
    description: Annotated[
        FreeText(600) | None,
        Field(title="Description of the child or young person’s situation"),
        Multiline(6),
        Required(),
    ] = None
    workers_goal: Annotated[
        FreeText(400) | None,
        Field(title="Worker’s goal: what do they want out of the consultation?"),
        Multiline(3),
        Required(),
    ] = None
    danger_statements: Annotated[
        FreeText(550) | None, Field(title="Draft danger / worry statements"), Multiline(5)
    ] = None
    working_well: Annotated[
        FreeText(550) | None, Field(title="What’s working well?"), Multiline(6)
    ] = None
    scales: Annotated[Scales, Field(title="Scales")] = Scales()
    worries: Annotated[
        FreeText(550) | None, Field(title="What are we worried about?"), Multiline(6)
    ] = None
    safety_goals: Annotated[FreeText(450) | None, Field(title="Safety goals"), Multiline(5)] = None
    review: Annotated[Review, Field(title="Review")] = Review()
    actions: Annotated[list[Action], Field(title="Next step", max_length=6, default_factory=list)]
    signatures: Annotated[GroupSignatures, Field(title="Signatures")] = GroupSignatures()
