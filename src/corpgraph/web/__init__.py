"""The browser side of corpgraph: the shared network front-end (``static/``) and the local web app
of ``corpgraph serve`` (``app.py`` and the modules beside it)."""
