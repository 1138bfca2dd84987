"""What makes the pack archival (PDF/A-3b) and accessible (PDF/UA-1), written with pikepdf.

The structure tree of the pages drawn (``supforms.pipeline.evidence.drawing``),
an sRGB output intent (LittleCMS's own sRGB profile, so no file is needed),
XMP metadata naming both standards (with the PDF/A extension schema PDF/A asks
for the ``pdfuaid`` namespace), and associated files: each embedded file is
listed in the catalog's ``/AF`` with its relationship, MIME type and dates.
The document information dictionary is dropped: the XMP is the one place the
title and dates are said, so the two cannot disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String
from PIL import ImageCms
from supforms.forms.writing.layout import Marked, Node
from supforms.forms.writing.tagging import marked_kid
from supforms.pipeline.evidence.drawing import Picture

__all__ = ["LANGUAGE", "add_pictures", "attach", "finish_archival", "write_structure"]

LANGUAGE = "en-GB"

_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
  xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
  xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
  xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
  xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
  xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:description><rdf:Alt>
<rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt></dc:description>
<xmp:CreatorTool>supforms</xmp:CreatorTool>
<xmp:CreateDate>{moment}</xmp:CreateDate>
<xmp:ModifyDate>{moment}</xmp:ModifyDate>
<xmp:MetadataDate>{moment}</xmp:MetadataDate>
<pdf:Producer>supforms</pdf:Producer>
<pdfaid:part>3</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<pdfuaid:part>1</pdfuaid:part>
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>The part of ISO 14289 the file conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def write_structure(pdf: Pdf, structure: Node, alts: dict[int, str]) -> None:
    """``structure`` as the StructTreeRoot, with its ParentTree; a Figure gets its ``/Alt``."""
    pages = [page.obj for page in pdf.pages]
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    by_page: dict[int, dict[int, pikepdf.Object]] = {}

    def build(node: Node, parent: pikepdf.Object) -> pikepdf.Object:
        element = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + node.tag), P=parent)
        )
        if id(node) in alts:
            element.Alt = String(alts[id(node)])
        kids = Array()
        for kid in node.kids:
            if isinstance(kid, Node):
                kids.append(build(kid, element))
                continue
            assert isinstance(kid, Marked)
            kids.append(marked_kid(element, kid, pages, by_page))
        element.K = kids
        return element

    root.K = build(structure, root)
    nums = Array()
    for index, page in enumerate(pages):
        page.StructParents = index
        page.Tabs = Name.S
        marked = by_page.get(index, {})
        nums.append(index)
        nums.append(pdf.make_indirect(Array([marked[i] for i in range(len(marked))])))
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(pages)
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = String(LANGUAGE)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def add_pictures(pdf: Pdf, pictures: dict[int, tuple[str, Picture]]) -> None:
    """Each returned page's picture as the image XObject its page's content draws by name."""
    for index, (name, picture) in pictures.items():
        colours: pikepdf.Object = Name.DeviceRGB
        if picture.palette:
            last = len(picture.palette) // 3 - 1
            colours = Array([Name.Indexed, Name.DeviceRGB, last, String(picture.palette)])
        image = pdf.make_stream(
            b"",
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=picture.pixels[0],
            Height=picture.pixels[1],
            ColorSpace=colours,
            BitsPerComponent=8,
        )
        image.write(picture.data, filter=Name.FlateDecode if picture.palette else Name.DCTDecode)
        resources = pdf.pages[index].obj.Resources
        if Name.XObject not in resources:
            resources.XObject = Dictionary()
        resources.XObject[Name("/" + name)] = image


def pdf_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def attach(
    pdf: Pdf,
    name: str,
    data: bytes,
    *,
    mime: str,
    relationship: str,
    description: str,
    modified: datetime,
) -> None:
    """Embed ``data`` as the associated file ``name`` (listed in the catalog's ``/AF``)."""
    spec = pikepdf.AttachedFileSpec(
        pdf,
        data,
        description=description,
        filename=name,
        mime_type=mime,
        mod_date=pdf_date(modified),
        relationship=Name("/" + relationship),
    )
    pdf.attachments[name] = spec
    if Name.AF not in pdf.Root:
        pdf.Root.AF = Array()
    pdf.Root.AF.append(spec.obj)


def finish_archival(pdf: Pdf, title: str, description: str, moment: datetime) -> None:
    """The output intent and the XMP of a PDF/A-3b, PDF/UA-1 file; no information dictionary."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    icc = pdf.make_stream(profile)
    icc.N = 3
    pdf.Root.OutputIntents = Array(
        [
            Dictionary(
                Type=Name.OutputIntent,
                S=Name.GTS_PDFA1,
                OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
                Info=String("sRGB IEC61966-2.1"),
                DestOutputProfile=icc,
            )
        ]
    )
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    xmp = _XMP.format(title=escape(title), description=escape(description), moment=stamp)
    metadata = pdf.make_stream(xmp.encode("utf-8"))
    metadata.Type = Name.Metadata
    metadata.Subtype = Name.XML
    pdf.Root.Metadata = metadata
    if Name.Info in pdf.trailer:
        del pdf.trailer.Info
