"""Reads the phrasing corpus and scores a parser on it: right, refused or misread.

Each line of ``phrasings.txt`` is ``kind | prompt | expected [| flags]``:

- ``expected`` is ``refuse`` (optionally ``refuse: word word`` — words that must be listed as not understood),
  or steps separated by ``;``, each ``op``, ``op+`` or ``op-`` (the direction read), optionally with
  ``{k=v, ...}``: ``k=v`` (equal; ``16:9`` is an aspect, ``True``/numbers/words as written), ``k<v``, ``k>v``,
  ``abs:k<=v`` (on the absolute value).
- ``flags``: ``mask`` (a mask is sent), ``inputs=N``.

The direction of a step is read from its parameters the same way for every version of the parser
(``direction``, the sign of ``ev``, ``degrees``, ``percent``, ``factor`` - 1), so the same corpus scores the code
before and after a change. Run ``python -m tests.unit.corpus.score`` (with ``PYTHONPATH`` pointing at the code
to score) for the table by kind.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SIGNED_UP_BY_DEFAULT = {
    "brightness",
    "contrast",
    "saturation",
    "vibrance",
    "warmth",
    "shadows",
    "colour_balance",
    "selective_colour",
}


@dataclass(frozen=True)
class Expected:
    op: str
    sign: int | None
    checks: tuple[tuple[str, str, Any], ...] = ()


@dataclass(frozen=True)
class Case:
    kind: str
    prompt: str
    refuse: bool
    steps: tuple[Expected, ...] = ()
    words: tuple[str, ...] = ()
    has_mask: bool = False
    num_inputs: int = 1
    line: int = 0


@dataclass
class Score:
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misreads: list[tuple[Case, str]] = field(default_factory=list)
    refusals: list[tuple[Case, str]] = field(default_factory=list)


def _value(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?:-?\d+(\.\d+)?", text):
        a, b = text.split(":")
        return (float(a), float(b))
    if text in ("True", "False"):
        return text == "True"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+", text):
        return float(text)
    if text.startswith("(") and text.endswith(")"):
        return tuple(_value(v) for v in text[1:-1].split(","))
    return text


def _checks(body: str) -> tuple[tuple[str, str, Any], ...]:
    out = []
    for part in re.split(r",\s*(?![^()]*\))", body):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"((?:abs:)?\w+)\s*(<=|>=|=|<|>)\s*(.+)", part)
        if match is None:
            raise ValueError(f"bad check {part!r}")
        key, cmp, value = match.groups()
        out.append((key, cmp, _value(value)))
    return tuple(out)


def _expected(text: str) -> tuple[bool, tuple[Expected, ...], tuple[str, ...]]:
    text = text.strip()
    if text.startswith("refuse"):
        words = tuple(text.partition(":")[2].split())
        return True, (), words
    steps = []
    for part in text.split(";"):
        match = re.fullmatch(r"\s*(\w+)([+-]?)\s*(?:\{(.*)\})?\s*", part)
        if match is None:
            raise ValueError(f"bad step {part!r}")
        op, sign, body = match.groups()
        steps.append(Expected(op, {"+": 1, "-": -1}.get(sign), _checks(body or "")))
    return False, tuple(steps), ()


def load(path: Path = HERE / "phrasings.txt") -> list[Case]:
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) not in (3, 4):
            raise ValueError(f"line {number}: {raw!r}")
        kind, prompt, expected = parts[:3]
        flags = parts[3].split() if len(parts) == 4 else []
        refuse, steps, words = _expected(expected)
        inputs = next((int(f.split("=")[1]) for f in flags if f.startswith("inputs=")), 1)
        cases.append(Case(kind, prompt, refuse, steps, words, "mask" in flags, inputs, number))
    return cases


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def sign(op: str, params: dict[str, Any]) -> int:
    """The direction a step was read in: +1 (more, up, counter-clockwise, larger), -1, or 0 (no direction)."""
    direction = params.get("direction")
    if isinstance(direction, int | float) and not isinstance(direction, bool):
        return _sign(direction)
    if op == "exposure":
        return _sign(float(params.get("ev", 0)))
    if op == "rotate":
        return _sign(float(params.get("degrees", 0)))
    if op == "resize":
        return _sign(float(params["factor"]) - 1) if "factor" in params else 0
    if op == "tint":
        return 1 if params.get("toward", "magenta") == "magenta" else -1
    if "percent" in params:
        return _sign(float(params["percent"]))
    if op == "highlights":
        return -1  # before issue 17 the operation could only bring highlights down
    return 1 if op in SIGNED_UP_BY_DEFAULT else 0


def _check(params: dict[str, Any], key: str, cmp: str, want: Any) -> bool:
    absolute = key.startswith("abs:")
    key = key.removeprefix("abs:")
    if key not in params:
        return False
    have = params[key]
    if absolute:
        have = abs(have)
    if cmp == "=":
        if isinstance(have, str):
            return have == str(want)
        if isinstance(want, float) or isinstance(have, float):
            try:
                return abs(float(have) - float(want)) < 1e-6
            except (TypeError, ValueError):
                return False
        if isinstance(want, tuple) and isinstance(have, list | tuple):
            return tuple(float(v) for v in have) == tuple(float(v) for v in want)
        return bool(have == want)
    ops: dict[str, Callable[[float, float], bool]] = {
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    return ops[cmp](float(have), float(want))


def mismatch(case: Case, steps: list[tuple[str, dict[str, Any]]]) -> str | None:
    """Why a plan is not the expected one, or None when it is."""
    if case.refuse:
        return "accepted: " + ", ".join(op for op, _ in steps)
    if [op for op, _ in steps] != [e.op for e in case.steps]:
        return f"ops {[op for op, _ in steps]} != {[e.op for e in case.steps]}"
    for (op, params), want in zip(steps, case.steps, strict=True):
        if want.sign is not None and sign(op, params) != want.sign:
            return f"{op}: direction {sign(op, params):+d}, expected {want.sign:+d} ({params})"
        for key, cmp, value in want.checks:
            if not _check(params, key, cmp, value):
                return f"{op}: {key} {cmp} {value!r} not met ({params})"
    return None


def score(cases: list[Case]) -> Score:
    from retouch.engines.classic import parse
    from retouch.errors import InputError

    result = Score()
    for case in cases:
        try:
            plan = parse(case.prompt, num_inputs=case.num_inputs, has_mask=case.has_mask)
        except InputError as exc:  # EngineRefusal is an InputError
            outcome = "right" if case.refuse else "refused"
            if outcome == "refused":
                result.refusals.append((case, exc.message[:160]))
        else:
            why = mismatch(case, [(s.op, dict(s.params)) for s in plan.steps])
            outcome = "right" if why is None else "misread"
            if why is not None:
                result.misreads.append((case, why))
        result.counts[case.kind][outcome] += 1
        result.counts["all"][outcome] += 1
    return result


def table(result: Score) -> str:
    lines = [f"{'kind':12s} {'n':>5s} {'right':>7s} {'refused':>8s} {'misread':>8s}"]
    for kind in sorted(result.counts, key=lambda k: (k == "all", k)):
        c = result.counts[kind]
        n = sum(c.values())
        lines.append(f"{kind:12s} {n:5d} {c['right'] / n:7.1%} {c['refused'] / n:8.1%} {c['misread'] / n:8.1%}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    name = next((a for a in argv if a.endswith(".txt")), "phrasings.txt")
    result = score(load(HERE / name))
    print(table(result))
    if "-v" in argv:
        for case, why in result.misreads:
            print(f"MISREAD  {case.prompt!r}: {why}")
        for case, why in result.refusals:
            print(f"REFUSED  {case.prompt!r}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
