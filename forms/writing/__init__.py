"""The writing side: a form model onto the page (layout, wording, AcroForm, each copy)."""
