"""Codes the engine's arrays share: what ``Economy.hh_employer`` holds besides a firm.

A household's employer is its firm's index (``0..C-1``) or one of these codes.
"""

from __future__ import annotations

__all__ = ["OUTSIDE", "UNEMPLOYED"]

#: Works outside the community.
OUTSIDE = -1
#: Has no job.
UNEMPLOYED = -2
