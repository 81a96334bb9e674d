"""The classic engine: CPU image processing driven by a parsed plan, no weights, honest refusals."""

from __future__ import annotations

from . import grammar_faces  # noqa: F401  (face phrases and operations join the phrase table, ahead of the rest)
from .engine import ClassicEngine, plan_for
from .parser import parse


def plan_text(prompt: str, *, num_inputs: int = 1, has_mask: bool = False) -> str:
    """The plan a prompt would run, as the request's log shows it (raises EngineRefusal when it would refuse)."""
    return parse(prompt, num_inputs=num_inputs, has_mask=has_mask).describe()


__all__ = ["ClassicEngine", "parse", "plan_for", "plan_text"]
