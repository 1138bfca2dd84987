"""Every copy says what it is: form id, schema version and a unique document id."""

from __future__ import annotations

import io
import re

import pypdf
from supforms.forms.writing.compiled import compiled_form
from supforms.forms.writing.identity import new_document_id
from supforms.pipeline.delivery.generate import issue_copy

from tests.conftest import ISSUED_AT


def test_document_ids_are_unique_and_readable():
    ids = {new_document_id() for _ in range(5000)}
    assert len(ids) == 5000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", i) for i in ids)


def test_metadata_carries_identity(form_id):
    form = compiled_form(form_id)
    identity, data, _ = issue_copy(form, None, issued_at=ISSUED_AT)
    reader = pypdf.PdfReader(io.BytesIO(data))
    info = reader.metadata
    assert info["/SupformsFormId"] == form_id
    assert info["/SupformsSchemaVersion"] == form.version
    assert info["/SupformsDocumentId"] == identity.document_id
    assert f"document={identity.document_id}" in info["/Keywords"]
    assert info["/CreationDate"] == "D:20261122093000Z"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert f"<supforms:DocumentId>{identity.document_id}</supforms:DocumentId>" in xmp
    assert f"<supforms:FormId>{form_id}</supforms:FormId>" in xmp
    assert f"<supforms:SchemaVersion>{form.version}</supforms:SchemaVersion>" in xmp


def test_two_copies_differ_only_in_identity():
    form = compiled_form("contract")
    first = issue_copy(form, None, issued_at=ISSUED_AT, document_id="AAAA-BBBB-CCCC-DDDD")[1]
    again = issue_copy(form, None, issued_at=ISSUED_AT, document_id="AAAA-BBBB-CCCC-DDDD")[1]
    other = issue_copy(form, None, issued_at=ISSUED_AT, document_id="AAAA-BBBB-CCCC-DDDE")[1]
    assert first == again  # reproducible: same identity and values, same bytes
    assert first != other
