"""Errors users see: each names the file, the key path and the reason, on one line."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario (or experiment) file that cannot be used as written.

    ``str(error)`` is ``"FILE: key.path: reason"``, the line the command line
    prints after ``error:``.
    """

    def __init__(self, file: str, key: str, reason: str):
        self.file = str(file)
        self.key = key or "(file)"
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.file}: {self.key}: {self.reason}")
