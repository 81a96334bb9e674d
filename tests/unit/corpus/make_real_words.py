"""Writes ``engines/classic/real_words.py``: English words one edit away from a word the parser knows.

Such a word is what the person meant ("clouds", "snow", "outline"), never a typo to correct ("cloudy", "now",
"out line"). Needs Debian's ``wamerican`` and ``wbritish`` word lists (``apt-get install wamerican wbritish``);
run it again when the phrase table learns new words:

    PYTHONPATH=src .venv/bin/python -m tests.unit.corpus.make_real_words
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from retouch.engines.classic import typos

LISTS = [Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english")]
TARGET = Path(__file__).parents[3] / "src/retouch/engines/classic/real_words.py"


def real_words() -> list[str]:
    """Dictionary words that a typo fix could turn into a known word (one edit away, or two known words)."""
    known = typos.known_words()
    words = set()
    for path in LISTS:
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.strip().lower()
            if re.fullmatch(r"[a-z]{3,}", word) and word not in known:
                words.add(word)
    return sorted(w for w in words if typos.candidates(w) or typos.split_words(w))


def main() -> None:
    near = real_words()
    body = textwrap.fill(" ".join(near), width=112, initial_indent="    ", subsequent_indent="    ")
    TARGET.write_text(
        '"""English words one edit away from a word the parser knows, or made of two known words: what the person\n'
        "meant, never a typo. Generated from Debian's wamerican and wbritish lists by\n"
        'tests/unit/corpus/make_real_words.py; do not edit by hand."""\n\n'
        'REAL_WORDS = frozenset(\n    """\n' + body + '\n    """.split()\n)\n',
        encoding="utf-8",
    )
    print(f"{len(near)} words -> {TARGET}")


if __name__ == "__main__":
    main()
