"""The hand-written phrasing corpus (tests/unit/corpus/phrasings.txt): every phrasing gives its expected plan, or
is refused when that is what it expects. Zero misreads, and the counts the issue asks for."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from retouch.engines.classic import parse
from retouch.errors import EngineRefusal, InputError

from .corpus.score import HERE, Case, load, mismatch

CASES = load() + load(HERE / "heldout.txt")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}:{c.line}:{c.prompt}" for c in CASES])
def test_phrasing(case: Case) -> None:
    try:
        plan = parse(case.prompt, num_inputs=case.num_inputs, has_mask=case.has_mask)
    except EngineRefusal as exc:
        assert case.refuse, f"refused: {exc.message[:200]}"
        for word in case.words:
            assert any(word in w for w in exc.not_understood), (word, exc.not_understood)
        return
    except InputError as exc:
        assert case.refuse, f"refused: {exc.message[:200]}"
        return
    why = mismatch(case, [(s.op, dict(s.params)) for s in plan.steps])
    assert why is None, f"{why}\n{plan.describe()}"


def test_the_corpus_is_large_and_varied() -> None:
    kinds = Counter(c.kind for c in CASES)
    assert len({c.prompt for c in CASES if c.kind != "heldout"}) >= 400
    for kind in ("question", "complaint", "polite", "typo", "british", "american", "several", "refusal", "scope"):
        assert kinds[kind] >= 9, kind


@pytest.mark.skipif(
    not all(Path(f"/usr/share/dict/{name}-english").exists() for name in ("american", "british")),
    reason="Debian's wamerican and wbritish are not installed (scripts/install-test-deps.sh installs them)",
)
def test_the_real_word_list_is_up_to_date() -> None:
    """A word the phrase table learns can bring real words within one edit of it: regenerate real_words.py."""
    from retouch.engines.classic.real_words import REAL_WORDS

    from .corpus.make_real_words import real_words

    missing = set(real_words()) - REAL_WORDS
    assert not missing, f"run python -m tests.unit.corpus.make_real_words ({sorted(missing)[:10]} …)"
