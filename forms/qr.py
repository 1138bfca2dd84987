"""QR codes of one fixed shape (version 3, error correction M, mask 0), fast.

Every page of every copy carries a QR code, so encoding is on the hot path of
``generate``: reportlab's general encoder takes 1.6–12 ms a code, this one a
tenth of a millisecond. The fixed parts (finder, timing and alignment patterns,
format information) are taken once from reportlab's own encoder, which the tests
also hold this one to, module for module.
"""

from __future__ import annotations

from functools import cache

from reportlab.graphics.barcode import qrencoder

__all__ = ["CAPACITY", "SIZE", "qr_modules"]

VERSION, SIZE = 3, 29
DATA_CODEWORDS, EC_CODEWORDS = 44, 26  # version 3-M: one block
CAPACITY = DATA_CODEWORDS - 2  # bytes in byte mode: 4-bit mode, 8-bit count, 4-bit terminator

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


def _generator(degree: int) -> list[int]:
    poly = [1]
    for root in range(degree):
        poly = [
            (poly[i] if i < len(poly) else 0)
            ^ (_EXP[_LOG[poly[i - 1]] + root] if 0 < i <= len(poly) and poly[i - 1] else 0)
            for i in range(len(poly) + 1)
        ]
    return poly


_GENERATOR = _generator(EC_CODEWORDS)
# One multiplication table per generator coefficient: the division below is then lookups.
_TABLES = [
    [
        _EXP[_LOG[factor] + _LOG[coefficient]] if factor and coefficient else 0
        for factor in range(256)
    ]
    for coefficient in _GENERATOR[1:]
]


def _error_correction(data: list[int]) -> list[int]:
    """The Reed–Solomon error-correction codewords of ``data`` (GF(256), polynomial 0x11D)."""
    remainder = [0] * EC_CODEWORDS
    for byte in data:
        factor = byte ^ remainder[0]
        if factor:
            remainder = [r ^ t[factor] for r, t in zip([*remainder[1:], 0], _TABLES, strict=True)]
        else:
            remainder = [*remainder[1:], 0]
    return remainder


def _is_function(row: int, col: int) -> bool:
    if (row < 9 and col < 9) or (row < 9 and col >= SIZE - 8) or (row >= SIZE - 8 and col < 9):
        return True  # finder patterns, separators and format information
    if row == 6 or col == 6:
        return True  # timing patterns
    return abs(row - 22) <= 2 and abs(col - 22) <= 2  # the one alignment pattern of version 3


@cache
def _layout() -> tuple[tuple[tuple[bool, ...], ...], tuple[tuple[int, int], ...], tuple[bool, ...]]:
    """The fixed modules (from reportlab), the order data bits fill the rest, and mask 0."""
    reference = qrencoder.QRCode(VERSION, qrencoder.QRErrorCorrectLevel.M)
    reference.addData("supforms")
    reference.makeImpl(False, 0)
    base = tuple(
        tuple(bool(reference.isDark(r, c)) and _is_function(r, c) for c in range(SIZE))
        for r in range(SIZE)
    )
    order: list[tuple[int, int]] = []
    col, upward = SIZE - 1, True
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(SIZE - 1, -1, -1) if upward else range(SIZE)
        for row in rows:
            for c in (col, col - 1):
                if not _is_function(row, c):
                    order.append((row, c))
        upward = not upward
        col -= 2
    masked = tuple((row + c) % 2 == 0 for row, c in order)
    return base, tuple(order), masked


def qr_modules(payload: str) -> list[list[bool]]:
    """The dark (True) and light modules of ``payload``'s QR code (byte mode), row by row."""
    data = payload.encode("utf-8")
    if len(data) > CAPACITY:
        raise ValueError(f"QR payload of {len(data)} bytes exceeds {CAPACITY}")
    # Mode 0100 (bytes), an 8-bit count, the bytes, a terminator of up to 4 zero bits,
    # zero bits to the next byte, then the pad bytes 0xEC 0x11 in turn.
    value, length = 0x4 << 8 | len(data), 12 + 8 * len(data)
    value = value << 8 * len(data) | int.from_bytes(data, "big") if data else value
    shift = min(4, DATA_CODEWORDS * 8 - length)
    shift += (-(length + shift)) % 8
    value, length = value << shift, length + shift
    codewords = list(value.to_bytes(length // 8, "big"))
    codewords += [(0xEC, 0x11)[i % 2] for i in range(DATA_CODEWORDS - len(codewords))]
    stream = codewords + _error_correction(codewords)
    bits = "".join(f"{byte:08b}" for byte in stream)
    base, order, masked = _layout()
    matrix = [list(row) for row in base]
    for index, (row, col) in enumerate(order):
        dark = index < len(bits) and bits[index] == "1"
        matrix[row][col] = dark != masked[index]
    return matrix
