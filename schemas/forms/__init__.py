"""The built-in forms: one module a form, each holding its model and declaration.

The registry finds every form here by itself (``schemas.registry``): a new
built-in form is its module here and its wording ``forms/templates/<form_id>.j2``.
"""
