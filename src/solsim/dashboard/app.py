"""The dashboard as a Solara app module: ``solara run solsim.dashboard.app:page``.

Solara looks the app up in the module's namespace, so ``page`` is built here
at import (``solsim.dashboard`` builds its own ``page`` only when asked for).
The scenario comes from the ``SOLSIM_DASHBOARD_SCENARIO`` environment variable
(:data:`solsim.dashboard.SCENARIO_ENV`), which ``solsim dashboard --scenario``
sets.
"""

from __future__ import annotations

from solsim.dashboard import DashboardEconomy
from solsim.dashboard.ui import dashboard_page

page = dashboard_page(DashboardEconomy)
