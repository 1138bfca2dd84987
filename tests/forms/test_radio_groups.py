"""Radio groups on screen: how many tab stops a group takes, and what names each button.

Issue 14 asks for one tab stop per radio group and an accessible name with the
button's value ("Safety scale: 7"). What the forms can give depends on the engine:

- **PDFium** (Chrome's and Edge's viewer, pypdfium2): every radio button is a tab
  stop of its own, and no PDF structure changes that. The tab ring is every widget
  annotation on the page except signature fields (``CPDFSDK_AnnotIterator::CollectAnnots``,
  ``fpdfsdk/cpdfsdk_annotiterator.cpp``); Tab moves to the next annotation of that ring
  (``CPDFSDK_PageView::OnKeyDown``, ``fpdfsdk/cpdfsdk_pageview.cpp``), never to the next
  field; a radio button answers Space and Return only, so arrow keys neither move nor
  select (``CFFL_RadioButton::OnKeyDown``, ``fpdfsdk/formfiller/cffl_radiobutton.cpp``).
  These tests pin that down, so a PDFium that learns radio groups is noticed.
  Chrome's accessibility tree names a button by its field's full name and gives its
  export value and its place in the group (``PDFiumPage::PopulateButton``,
  ``pdf/pdfium/pdfium_page.cc``): "scales.safety", value "7", 8 of 11.
- **pdf.js** (Firefox): the buttons of a field become ``<input type="radio">`` sharing
  the field's name, which a browser makes one tab stop; the Form element's ``/Alt``
  ("Safety scale: 7") labels each button's box. ``tests/pdfjs`` proves it in Chromium.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Name

FORM = "group-record"
SCALES = {"scales.safety": "Safety scale", "scales.plan_confidence": "Confidence scale"}
YES_NO = "review.enough_for_now"


def _full_name(annot: pikepdf.Object) -> str:
    parts, node = [], annot
    while node is not None:
        if Name.T in node:
            parts.append(str(node.T))
        node = node.get(Name.Parent)
    return ".".join(reversed(parts))


def _option(annot: pikepdf.Object) -> str:
    return next(str(key)[1:] for key in annot.AP.N.keys() if key != "/Off")


def test_each_radio_buttons_form_element_names_it_with_its_value(blank_pdfs):
    """The Form element of every radio button has ``/Alt`` "Safety scale: 7", as its ``/Contents``.

    pdf.js turns a Form element's ``/Alt`` into the ``aria-label`` of the widget's box; the
    kid's ``/Contents`` is its alternate description for readers of annotations.
    """
    with pikepdf.open(io.BytesIO(blank_pdfs[FORM])) as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        elements = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        alts: dict[tuple[str, str], str] = {}
        for page in pdf.pages:
            for annot in page.obj.get(Name.Annots, []):
                if Name.T in annot:
                    continue  # a field of its own, not a radio button
                element = elements[int(annot.StructParent)]
                assert element.S == Name.Form
                alts[(_full_name(annot), _option(annot))] = str(element.get(Name.Alt, ""))
                assert str(element.Alt) == str(annot.Contents)
    assert alts[("scales.safety", "7")] == "Safety scale: 7"
    assert alts[("scales.plan_confidence", "0")] == "Confidence scale: 0"
    assert alts[(YES_NO, "No")] == "Is this enough for now? No"
    assert len(alts) == 11 + 11 + 2

