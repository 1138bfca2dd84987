"""Evidence packs: records proved on their own, as PDF/A-3b and PDF/UA-1 files.

``build_pack`` writes one (``supforms records evidence``); ``verify_pack`` holds
one against the store (``supforms records verify --evidence``). The records room
never imports this one: a pack is made from what the store answers.
"""

from __future__ import annotations

from supforms.pipeline.evidence.gather import Selection
from supforms.pipeline.evidence.pack import Pack, build_pack
from supforms.pipeline.evidence.proving import verify_pack

__all__ = ["Pack", "Selection", "build_pack", "verify_pack"]
