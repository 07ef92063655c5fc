"""Codes the engine's arrays share: what ``Economy.hh_employer`` holds besides a
firm, and the tenures in ``Economy.hh_tenure``.

A household's employer is its firm's index (``0..C-1``) or one of these codes.
"""

from __future__ import annotations

__all__ = ["MORTGAGE", "OUTRIGHT", "OUTSIDE", "RENTER", "UNEMPLOYED"]

#: Works outside the community.
OUTSIDE = -1
#: Has no job.
UNEMPLOYED = -2

#: Tenure codes in ``Economy.hh_tenure``: renting, owning with a mortgage, owning outright.
RENTER, MORTGAGE, OUTRIGHT = 0, 1, 2
