"""The dashboard's pages, one module each, in the order of the navigation bar.

Each page module has `PATH`, `NAV` (the i18n key of its tab), `CONTROLS`, `CHART_IDS`, `BLOCKS`,
`render(view)` (its figures, data tables and blocks), `layout(view, rendered)`, and may have
`register(app, source)` for callbacks of its own (see `pages/base.py`).
"""

from dashboard.pages import cities, composition, levers, overview, trajectories, whatif

PAGES = (overview, trajectories, composition, cities, levers, whatif)
