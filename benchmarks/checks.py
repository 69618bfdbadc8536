"""Printing a section's pass/fail lines the same way everywhere."""

from __future__ import annotations


def report(checks: list[tuple[str, bool]]) -> int:
    """Print each figure, marking the ones that miss their target; the number missed."""
    for line, ok in checks:
        print(line + ("" if ok else "   <-- MISSED"))
    return sum(not ok for _, ok in checks)
