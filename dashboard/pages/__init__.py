"""The dashboard's pages, one module each, in the order of the navigation bar.

Each page module exposes one `PAGE` (a `pages.base.Page`: path, navigation key, controls, chart
ids, blocks, `render`, `layout`, optional `register` for callbacks of its own).
"""

from dashboard.pages import (
    attribution,
    backtest,
    cities,
    composition,
    levers,
    optimise,
    overview,
    sources,
    trajectories,
    whatif,
)
from dashboard.pages.base import Page

PAGES: tuple[Page, ...] = (
    overview.PAGE,
    trajectories.PAGE,
    composition.PAGE,
    cities.PAGE,
    levers.PAGE,
    whatif.PAGE,
    backtest.PAGE,
    attribution.PAGE,  # 贡献与敏感性
    optimise.PAGE,  # 实现路径 (issue 14 item 3)
    sources.PAGE,  # 假设与来源 (issue 15 build 4)
)
