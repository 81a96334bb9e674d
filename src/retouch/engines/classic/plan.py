"""A typed plan: the operations a prompt asked for, in order, each with its parameters and the words it came from.

The plan is what the classic engine logs, what ``retouch plan`` prints, and what tests compare; operations are
looked up by name in the registry (``ops.py``), so new operations only add entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    op: str
    params: dict[str, Any] = field(default_factory=dict)
    words: str = ""

    def describe(self) -> str:
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        return f"{self.op}({args})"

    @property
    def direction(self) -> str:
        """The direction the words were read in ("darker", "clockwise", "less red"), or "" when there is none."""
        from .polarity import direction_label

        return direction_label(self.op, dict(self.params))


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]

    @property
    def ops(self) -> list[str]:
        return [s.op for s in self.steps]

    def describe(self) -> str:
        """One line a step: the operation, the direction it was read in, and the words it came from."""
        lines = []
        for i, s in enumerate(self.steps, 1):
            direction = f" [{s.direction}]" if s.direction else ""
            lines.append(f'{i}. {s.describe()}{direction}  <- "{s.words}"')
        return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)
