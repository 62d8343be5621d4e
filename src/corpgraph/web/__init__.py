"""The browser side of corpgraph: the shared network front-end (``static/map.js``, ``map.css``,
served by name through ``render.static_asset``) and the local web app of ``corpgraph serve``
(``app.py`` and the modules beside it)."""
