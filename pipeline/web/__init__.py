"""The web face: ``supforms serve``, a small ASGI application over the same library.

A supervisee's personal return page (``/r/TOKEN``: upload the filled PDF, read the
verdict at once), and for those who sign in the compliance dashboard, records and
``/api/compliance``. Every answer comes from the functions the CLI calls (ingest's
verdict, ``records.compliance``): nothing here judges a form or counts a session.

Rooms: ``app`` builds the application (routes, middleware, the store per process),
``security`` the headers every answer carries, ``pages`` the templates (GOV.UK
Frontend's look, with no JavaScript: every page works with it off).
"""
