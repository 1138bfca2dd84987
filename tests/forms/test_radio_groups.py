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
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pikepdf import Name

from tests.engines import PDFJS, full_name, pdfium_focused, pdfium_text, pdfjs_tools

FORM = "group-record"
YES_NO = "review.enough_for_now"
HEADS = {  # each button's name is its head and its value
    "scales.safety": "Safety scale: ",
    "scales.plan_confidence": "Confidence scale: ",
    YES_NO: "Is this enough for now? ",
}
SCALE = [str(n) for n in range(11)]
GROUPS = {"scales.safety": SCALE, "scales.plan_confidence": SCALE, YES_NO: ["Yes", "No"]}


def _option(annot: pikepdf.Object) -> str:
    return next(str(key)[1:] for key in annot.AP.N if key != "/Off")


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
                assert Name.Form == element.S
                alts[(full_name(annot), _option(annot))] = str(element.get(Name.Alt, ""))
                assert str(element.Alt) == str(annot.Contents)
    assert alts[("scales.safety", "7")] == "Safety scale: 7"
    assert alts[("scales.plan_confidence", "0")] == "Confidence scale: 0"
    assert alts[(YES_NO, "No")] == "Is this enough for now? No"
    assert len(alts) == 11 + 11 + 2


# --- PDFium, driven through its form-fill API as Chrome drives it ------------------------------


def _button(form: Any, annot: Any) -> tuple[str, str]:
    """(field name, export value) of a widget: ("scales.safety", "7")."""
    return (
        pdfium_text(pdfium_c.FPDFAnnot_GetFormFieldName, form, annot),
        pdfium_text(pdfium_c.FPDFAnnot_GetFormFieldExportValue, form, annot),
    )


@contextmanager
def _pdfium(data: bytes) -> Iterator[tuple[Any, list[Any]]]:
    """The form-fill handle and every page, loaded after the form environment."""
    document = pdfium.PdfDocument(data)
    try:
        document.init_forms()  # before any page is loaded, as pypdfium2 requires
        pages = [document[index] for index in range(len(document))]
        yield document.formenv.raw, pages
        for page in pages:
            page.close()
    finally:
        document.close()


@contextmanager
def _annots(page: Any) -> Iterator[list[Any]]:
    handles = [
        pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw))
    ]
    try:
        yield handles
    finally:
        for handle in handles:
            pdfium_c.FPDFPage_CloseAnnot(handle)


def _tab_stops(form: Any, pages: list[Any]) -> list[tuple[str, str]]:
    """Every Tab stop of every page in order: from no focus, Tab until PDFium says the page ends."""
    stops = []
    for page in pages:
        pdfium_c.FORM_ForceToKillFocus(form)
        while pdfium_c.FORM_OnKeyDown(form, page.raw, pdfium_c.FWL_VKEY_Tab, 0):
            focused = pdfium_focused(form, _button)
            assert focused is not None
            stops.append(focused)
    return stops


def test_pdfium_makes_each_radio_button_a_tab_stop_of_its_own(blank_pdfs):
    """PDFium's behaviour, pinned: a 0-10 scale takes 11 Tab presses, a Yes/No pair 2.

    One stop per group cannot be built from radio buttons for PDFium: its tab ring is
    every widget annotation (``CPDFSDK_AnnotIterator::CollectAnnots``), with no notion of
    a field, and a widget that is not in it cannot be clicked either. If this fails
    because a group has become one stop, PDFium has learnt radio groups: update the
    README's paragraph on keyboard use.
    """
    with _pdfium(blank_pdfs[FORM]) as (form, pages):
        stops = _tab_stops(form, pages)
    for name, options in GROUPS.items():
        at = [i for i, (field, _) in enumerate(stops) if field == name]
        assert [stops[i][1] for i in at] == options  # every button, in order
        assert at == list(range(at[0], at[0] + len(options)))  # one after another


def test_pdfium_arrow_keys_neither_move_nor_select_space_selects(blank_pdfs):
    """Within a group only Tab moves (to the next button) and Space picks the focused one."""
    arrows = (
        pdfium_c.FWL_VKEY_Right,
        pdfium_c.FWL_VKEY_Down,
        pdfium_c.FWL_VKEY_Left,
        pdfium_c.FWL_VKEY_Up,
    )
    with _pdfium(blank_pdfs[FORM]) as (form, pages):
        for page in pages:
            with _annots(page) as annots:
                buttons = {_button(form, annot): annot for annot in annots}
                target = buttons.get(("scales.safety", "3"))
                if target is None:
                    continue
                assert pdfium_c.FORM_SetFocusedAnnot(form, target)
                for key in arrows:
                    pdfium_c.FORM_OnKeyDown(form, page.raw, key, 0)
                    assert pdfium_focused(form, _button) == ("scales.safety", "3")
                checked = [b for b, a in buttons.items() if pdfium_c.FPDFAnnot_IsChecked(form, a)]
                assert checked == []
                pdfium_c.FORM_OnKeyDown(form, page.raw, pdfium_c.FWL_VKEY_Space, 0)
                pdfium_c.FORM_OnChar(form, page.raw, ord(" "), 0)
                checked = [b for b, a in buttons.items() if pdfium_c.FPDFAnnot_IsChecked(form, a)]
                assert checked == [("scales.safety", "3")]
                return
    raise AssertionError("no button 3 on the safety scale")


def test_pdfium_gives_each_radio_button_its_value(blank_pdfs):
    """What PDFium's API says of each button; Chrome's accessibility tree reads from it.

    Chrome names a radio button by ``FPDFAnnot_GetFormFieldName`` and adds its export
    value and its place in the group (``PDFiumPage::PopulateButton``,
    ``PdfAccessibilityTree::CreateButtonNode``). The group's ``/TU``, the alternate
    name, is the question, the same for every button; the kid's ``/Contents`` says
    "Safety scale: 7".
    """
    with pikepdf.open(io.BytesIO(blank_pdfs[FORM])) as pdf:
        tooltips = {
            full_name(annot.Parent): str(annot.Parent.TU)
            for page in pdf.pages
            for annot in page.obj.get(Name.Annots, [])
            if Name.T not in annot
        }
    seen: dict[str, list[str]] = {}
    with _pdfium(blank_pdfs[FORM]) as (form, pages):
        for page in pages:
            with _annots(page) as annots:
                for annot in annots:
                    name, value = _button(form, annot)
                    if name not in GROUPS:
                        continue
                    options = GROUPS[name]
                    contents = pdfium_text(pdfium_c.FPDFAnnot_GetStringValue, annot, b"Contents")
                    assert contents == HEADS[name] + value
                    alternate = pdfium_text(
                        pdfium_c.FPDFAnnot_GetFormFieldAlternateName, form, annot
                    )
                    assert alternate == tooltips[name]  # the group's question, no value
                    index = pdfium_c.FPDFAnnot_GetFormControlIndex(form, annot)
                    assert index == options.index(value)
                    assert pdfium_c.FPDFAnnot_GetFormControlCount(form, annot) == len(options)
                    seen.setdefault(name, []).append(value)
    assert seen == GROUPS


# --- pdf.js (Firefox's viewer), in a real browser ---------------------------------------------


@pytest.fixture(scope="module")
def pdfjs(blank_pdfs, tmp_path_factory) -> dict[str, Any]:
    """What ``tests/pdfjs/radio_groups.mjs`` saw with the blank group record open in pdf.js.

    Chromium runs pdf.js's own viewer components (PDFViewer with its form, text and
    structure tree layers), and real Tab and arrow key presses go to the page.
    """
    node, chromium = pdfjs_tools()
    path = tmp_path_factory.mktemp("pdfjs") / f"{FORM}.pdf"
    path.write_bytes(blank_pdfs[FORM])
    done = subprocess.run(
        [node, str(PDFJS / "radio_groups.mjs"), str(path), chromium],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.slow
def test_pdfjs_makes_each_radio_group_one_tab_stop(pdfjs):
    """Tab from the top of the form to its end meets each group once; the others, as PDFium."""
    stops = [stop for stop in pdfjs["tabs"] if stop["type"] == "radio"]
    assert [stop["name"] for stop in stops] == list(GROUPS)  # one stop each, in order
    # The stop is the group's first button: none is chosen yet, and Tab chose none.
    assert [stop["label"] for stop in stops] == [HEADS[name] + GROUPS[name][0] for name in GROUPS]
    assert not any(stop["checked"] for stop in stops)
    fields = [stop["name"] for stop in pdfjs["tabs"] if stop["name"]]
    assert len(fields) == len(set(fields))  # every other field is one stop too


@pytest.mark.slow
def test_pdfjs_arrow_keys_move_within_the_group_and_choose(pdfjs):
    """From the safety scale's 0, ArrowRight goes to 1 and chooses it, as any radio group does."""
    assert pdfjs["arrow"]["name"] == "scales.safety"
    assert pdfjs["arrow"]["label"] == "Safety scale: 1"
    assert pdfjs["arrow"]["checked"] is True


@pytest.mark.slow
def test_pdfjs_names_each_radio_button_with_its_value(pdfjs):
    """Each button sits in a box (region) named "Safety scale: 7", from its Form element's /Alt.

    pdf.js gives the ``aria-label`` to the widget's ``<section>``, not to the ``<input>``
    inside it (``RadioButtonWidgetAnnotationElement`` leaves its ``contentElement`` the
    section), so Chromium names the region and the radio inside has no name of its own:
    a screen reader says "Safety scale: 7, region" as focus enters it, then "radio
    button". If the input gains the name, pdf.js has changed: say so in the README.
    """
    names: dict[str, list[str]] = {}
    for radio in pdfjs["radios"]:
        group = radio["name"]
        value = radio["label"].removeprefix(HEADS[group])
        names.setdefault(group, []).append(value)
        assert radio["label"] == HEADS[group] + value
        assert (radio["boxRole"], radio["boxName"]) == ("region", radio["label"])
        assert radio["boxHolds"] == ["radio"]
        assert (radio["role"], radio["accessibleName"]) == ("radio", "")  # pdf.js 5.6
        assert radio["title"] is None  # pdf.js reads /TU off the widget, not its parent field
    assert names == GROUPS  # all 24 buttons, each group sharing its field's name
