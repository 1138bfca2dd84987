"""Write one copy of a form: the compiled template's objects plus what this copy changes.

A copy changes only its filled fields (value and appearance stream), its page
footers (document id, page x of y, QR code) and its identity (Info, XMP, file
ID); every other object is the template's bytes, copied. That keeps a prefilled
copy with full Unicode appearance streams to a few milliseconds.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping

from supforms.forms.writing.appearance import FONT_RESOURCE, Fitted, fit_lines, text_appearance
from supforms.forms.writing.compiled import CompiledForm
from supforms.forms.writing.continuation import Continued, Overflow, continuation_pages, marker
from supforms.forms.writing.identity import Identity, footer_content, pdf_date, xmp_packet
from supforms.forms.writing.layout import PAGE_HEIGHT, PAGE_WIDTH
from supforms.forms.writing.packing import is_stream, object_body, object_stream, xref_stream
from supforms.schemas.errors import LayoutError

__all__ = ["fill_form", "pdf_name", "text_string"]

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_IN_STREAM = 2  # a cross-reference entry's type: the object is in an object stream


def text_string(value: str) -> bytes:
    """A PDF text string: a literal for printable ASCII, UTF-16BE with a BOM otherwise."""
    if all(32 <= ord(ch) < 127 for ch in value):
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def pdf_name(value: str) -> bytes:
    """A PDF name, with anything outside plain ASCII written as #xx."""
    out = "".join(
        ch if (ch.isascii() and ch.isalnum()) or ch in "-_.+" else f"#{ord(ch):02X}" for ch in value
    )
    return b"/" + out.encode("ascii")


def _obj(num: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def _stream(num: int, entries: bytes, data: bytes, *, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 6)
        entries += b" /Filter /FlateDecode"
    return _obj(
        num, b"<< %s /Length %d >>\nstream\n" % (entries, len(data)) + data + b"\nendstream"
    )


class _Copy:
    """The objects one copy replaces and adds, numbered after the template's."""

    def __init__(self, form: CompiledForm) -> None:
        self.form = form
        self.changed: dict[int, bytes] = {}
        self.added: list[bytes] = []
        self.next = form.packed.after

    def add(self, make: object) -> int:
        num = self.next
        self.next += 1
        self.added.append(make(num))  # type: ignore[operator]
        return num

    def bytes(self, identity: Identity) -> bytes:
        """The copy: the template's streams, its packed objects, then this copy's own objects.

        Every object that is no stream and is this copy's (changed, added, or one a copy
        may change) goes into an object stream of the copy's (its fields in one, the rest
        in another), but the Info dictionary, which stays plain; a compressed
        cross-reference stream indexes them all.
        """
        form, packed = self.form, self.form.packed
        objects = {num: self.changed.get(num) or data for num, data in enumerate(form.objects)}
        objects.pop(0)
        for num, data in enumerate(self.added, start=packed.after):
            objects[num] = self.changed.get(num) or data
        fields_stream, rest_stream, xref_num = self.next, self.next + 1, self.next + 2
        entries: list[tuple[int, int, int]] = [(0, 0, 65535)] + [(0, 0, 0)] * xref_num
        parts, position = [HEADER], len(HEADER)
        own: dict[int, list[tuple[int, bytes]]] = {fields_stream: [], rest_stream: []}

        def put(num: int, data: bytes) -> None:
            nonlocal position
            entries[num] = (1, position, 0)
            parts.append(data)
            position += len(data)

        for num, data in objects.items():
            if num in packed.index and num not in self.changed:
                entries[num] = (_IN_STREAM, *packed.index[num])
            elif is_stream(data) or num == form.info:
                put(num, data)
            elif data:
                stream = fields_stream if num in packed.fields else rest_stream
                entries[num] = (_IN_STREAM, stream, len(own[stream]))
                own[stream].append((num, object_body(data)))
        for number, data in packed.streams:
            put(number, data)
        for number, packing in own.items():
            put(number, object_stream(number, packing))
        file_id = hashlib.md5(identity.document_id.encode(), usedforsecurity=False).hexdigest()
        trailer = b"/Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]" % (
            form.root,
            form.info,
            file_id.encode(),
            file_id.encode(),
        )
        start = position
        entries[xref_num] = (1, start, 0)
        parts.append(xref_stream(xref_num, entries, trailer))
        return b"".join(parts) + b"startxref\n%d\n%%%%EOF\n" % start


def _identity_objects(copy: _Copy, identity: Identity, footers: list[int]) -> None:
    form = copy.form
    created = pdf_date(identity.issued_at).encode()
    keywords = (
        f"supforms form={identity.form_id} version={identity.version} "
        f"document={identity.document_id}"
    )
    info = b" ".join(
        [
            b"/Title",
            text_string(identity.title),
            b"/Subject",
            text_string(f"{identity.title}, document {identity.document_id}"),
            b"/Keywords",
            text_string(keywords),
            b"/Creator (supforms) /Producer (supforms)",
            b"/CreationDate (" + created + b") /ModDate (" + created + b")",
            b"/SupformsFormId",
            text_string(identity.form_id),
            b"/SupformsSchemaVersion",
            text_string(identity.version),
            b"/SupformsDocumentId",
            text_string(identity.document_id),
        ]
    )
    copy.changed[form.info] = _obj(form.info, b"<< " + info + b" >>")
    copy.changed[form.metadata] = _stream(
        form.metadata, b"/Type /Metadata /Subtype /XML", xmp_packet(identity)
    )
    for page, num in enumerate(footers, start=1):
        content = footer_content(form.field_font, identity, page, len(footers))
        copy.changed[num] = _stream(num, b"", content, compress=True)


def _appearance(copy: _Copy, content: bytes, width: float, height: float) -> int:
    entries = b"/Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f]" % (
        width,
        height,
    ) + b" /Resources << /Font << /%s %d 0 R >> >>" % (FONT_RESOURCE.encode(), copy.form.font)
    return copy.add(lambda num: _stream(num, entries, content, compress=len(content) > 400))


def _continue(copy: _Copy, fitted: dict[str, tuple[Fitted, bool]]) -> list[int]:
    """Add continuation pages for the answers that outgrew their boxes; the footer objects."""
    form = copy.form
    overflows = []
    for path, (fit, _) in fitted.items():
        if fit.overflow:
            slot = form.slots[path]
            rest = [fit.lines[-1], *fit.overflow]
            overflows.append(Overflow(path, slot.page + 1, slot.title, fit.size, rest))
    if not overflows:
        return list(form.footers)
    contents, starts, elements = continuation_pages(
        form.field_font, form.title, overflows, form.pages + 1
    )
    for path, start in starts.items():
        fit, wrap = fitted[path]
        fitted[path] = (Fitted(fit.size, [*fit.lines[:-1], marker(start)], []), wrap)
    footers = list(form.footers)
    refs = list(form.page_refs)
    for index, content in enumerate(contents):
        body = copy.add(lambda num, data=content: _stream(num, b"", data, compress=True))
        footer = copy.add(lambda num: _stream(num, b"", b""))  # replaced with the footer below
        footers.append(footer)
        refs.append(
            copy.add(
                lambda num, body=body, footer=footer, key=form.tree.next_key + index: _obj(
                    num,
                    b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /StructParents %d "
                    b"/Resources << /Font << /%s %d 0 R >> >> /Contents [%d 0 R %d 0 R] >>"
                    % (
                        form.page_tree,
                        PAGE_WIDTH,
                        PAGE_HEIGHT,
                        key,
                        FONT_RESOURCE.encode(),
                        form.font,
                        body,
                        footer,
                    ),
                )
            )
        )
    kids = b" ".join(b"%d 0 R" % ref for ref in refs)
    copy.changed[form.page_tree] = _obj(
        form.page_tree, b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(refs))
    )
    _tag_continuation(copy, elements, refs[form.pages :])
    return footers


def _tag_continuation(copy: _Copy, elements: list[Continued], pages: list[int]) -> None:
    """Add the continuation pages' elements after the form's, and their ParentTree keys."""
    tree = copy.form.tree
    numbers = []
    for element in elements:
        first = element.marks[0][0]
        kids = b" ".join(
            b"%d" % mcid
            if page == first
            else b"<< /Type /MCR /Pg %d 0 R /MCID %d >>" % (pages[page], mcid)
            for page, mcid in element.marks
        )
        body = b"<< /Type /StructElem /S /%s /P %d 0 R /Pg %d 0 R /K [ %s ] >>" % (
            element.tag.encode(),
            tree.document,
            pages[first],
            kids,
        )
        numbers.append(copy.add(lambda num, body=body: _obj(num, body)))
    entries = []
    for index in range(len(pages)):
        marked = sorted(
            (mcid, number)
            for element, number in zip(elements, numbers, strict=True)
            for page, mcid in element.marks
            if page == index
        )
        refs = b" ".join(b"%d 0 R" % number for _, number in marked)
        entries.append(b"%d [ %s ]" % (tree.next_key + index, refs))
    copy.changed[tree.parent_tree] = _obj(
        tree.parent_tree, b"<< /Nums [ %s %s ] >>" % (tree.nums, b" ".join(entries))
    )
    elements_refs = b" ".join(b"%d 0 R" % number for number in numbers)
    copy.changed[tree.document] = _obj(
        tree.document,
        b"<< %s /K [ %s %s ] >>" % (tree.document_base, tree.document_kids, elements_refs),
    )
    copy.changed[tree.root] = _obj(
        tree.root, b"<< %s /ParentTreeNextKey %d >>" % (tree.root_base, tree.next_key + len(pages))
    )


def fill_form(
    form: CompiledForm,
    values: Mapping[str, str | bool],
    identity: Identity,
    *,
    continued: bool = False,
) -> bytes:
    """The bytes of one copy of ``form`` with ``values`` (dotted path → shown value).

    A value too long for its box (an answer given under an older schema's limit)
    goes on on continuation pages if ``continued`` (a print copy, whose values no one
    edits); otherwise it is refused: in a copy people fill, continuation text would
    not follow their edits, and the paper would contradict the data.
    """
    copy = _Copy(form)
    font = form.field_font
    fitted: dict[str, tuple[Fitted, bool]] = {}
    for path, value in values.items():
        slot = form.slots.get(path)
        if slot is None:
            raise LayoutError(f"{form.form_id} has no field {path!r}")
        if slot.kind == "checkbox":
            if value is True:
                copy.changed[slot.objnum] = _obj(
                    slot.objnum, b"<< %s /V /Yes /AS /Yes >>" % slot.base
                )
        elif slot.kind in ("scale", "yesno"):
            option = str(value)
            kid = next((k for k in slot.kids if k[0] == option), None)
            if kid is None:
                raise LayoutError(f"{path}: {option!r} is not one of its choices")
            name = pdf_name(option)
            copy.changed[slot.objnum] = _obj(slot.objnum, b"<< %s /V %s >>" % (slot.base, name))
            copy.changed[kid[1]] = _obj(kid[1], b"<< %s /AS %s >>" % (kid[2], name))
        else:
            text = str(value)
            if not font.covers(text):
                raise LayoutError(
                    f"{path}: characters {font.missing(text)!r} cannot be shown by the form font "
                    "(it covers Latin, Greek and Cyrillic)"
                )
            fit = fit_lines(font, text, slot.width, slot.height, slot.wrap)
            if fit.overflow and not continued:
                raise LayoutError(
                    f"{path}: {len(text)} characters do not fit its box; a copy to fill holds "
                    "only what its box shows (a print copy continues on further pages)"
                )
            fitted[path] = (fit, slot.wrap)
    footers = _continue(copy, fitted)
    for path, (fit, wrap) in fitted.items():
        slot = form.slots[path]
        content = text_appearance(font, fit, slot.width, slot.height, wrap)
        ap = _appearance(copy, content, slot.width, slot.height)
        copy.changed[slot.objnum] = _obj(
            slot.objnum,
            b"<< %s /V %s /AP << /N %d 0 R >> >>" % (slot.base, text_string(str(values[path])), ap),
        )
    _identity_objects(copy, identity, footers)
    return copy.bytes(identity)
