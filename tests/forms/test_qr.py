"""The fast fixed-shape QR encoder makes exactly the codes reportlab's encoder makes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.graphics.barcode import qrencoder
from supforms.forms.qr import CAPACITY, SIZE, qr_modules


def reference(payload: str) -> list[list[bool]]:
    code = qrencoder.QRCode(3, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QR8bitByte(payload))
    code.makeImpl(False, 0)
    return [[bool(code.isDark(r, c)) for c in range(SIZE)] for r in range(SIZE)]


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=CAPACITY))
def test_same_modules_as_reportlab(payload):
    assert qr_modules(payload) == reference(payload)


def test_document_payloads():
    payload = "SF1:7KQ2-M9XD-3HTW-PV4N:10/10"
    assert qr_modules(payload) == reference(payload)
