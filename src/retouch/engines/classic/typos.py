# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Typos and run-together words: an unknown word within one edit of exactly one known word is read as that word.

One edit is a letter left out, added, changed, or two neighbours swapped ("brigter", "backgound", "contarst",
"teh"). A word is only corrected when the answer is unique: "mote" could be "more" or "mute" (opposite directions)
and is left unknown, so the clause is refused. Real words that merely look like known ones ("older", "tighten")
are never changed. Run-together words are split when the parts are known ("blackandwhite", "makeit").

The cost is linear: a word's candidates come from an index of the known words with one letter deleted.
"""

from __future__ import annotations

import bisect
import functools
import re

# Real words one edit away from a known word: a person who typed them meant them.
NOT_TYPOS = frozenset(
    """older old young younger tighten tighter harden hardly sadden warden warner cooker cooking boiler louder
    loader shaper shaver shiner bolder holder folder border order colder rather lighted mighty sight tight might fight
    night right bright height weight eight ride hide wide tide side site bite kite mite note mote vote lesson lessen
    mores moor mare male mile mode made mate hate fate date gate rate late cute mute lute cure pure sure core bore
    wore pore fore gore lore tore sore yore dark bark mark park lark dart dank dork darn darker tinder tender render
    lender sender fender wander wonder ponder blunder under blur slur""".split()
)
MIN_LENGTH = 4  # shorter words are only corrected by swapping two neighbours ("teh" -> "the")
_WORD = re.compile(r"[a-z]+")
_PROTECTED = re.compile(
    r"\b(?:write|caption|(?:add|put|place|overlay) (?:the |a |some )?(?:text|caption|title|label|words?)(?: that says| saying| reading| which says)?)\b[^,;.!?]*"
)


@functools.lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    from . import grammar, polarity
    from .adjust import CONCEPT_PHRASES, CONCEPTS, OBJECT_NOUNS
    from .scope import HUES
    from .vocabulary import COLOURS, FILLER, GREETINGS, LEXICON

    words: set[str] = set(FILLER) | GREETINGS | set(CONCEPTS) | set(OBJECT_NOUNS) | set(HUES) | set(LEXICON)
    words |= polarity.UP_WORDS | polarity.DOWN_WORDS | polarity.PHRASAL_VERBS | set(polarity.PARTICLES)
    words |= polarity.COPULAS | polarity.INTENSIFIERS
    for phrase in list(polarity.PHRASES) + list(CONCEPT_PHRASES) + list(COLOURS):
        words.update(_WORD.findall(phrase))
    for op in grammar.OP_WORDS.values():
        words |= op
    return frozenset(w for w in words if "_" not in w and w.isalpha())


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for word in known_words():
        for key in _deletes(word) | {word}:
            index.setdefault(key, set()).add(word)
    return {k: frozenset(v) for k, v in index.items()}


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _swapped(a: str, b: str) -> bool:
    return len(a) == len(b) and sorted(a) == sorted(b) and _one_edit(a, b)


def candidates(word: str) -> set[str]:
    index = _index()
    found: set[str] = set(index.get(word, ()))
    for key in _deletes(word):
        found |= index.get(key, set())
    return {c for c in found if _one_edit(word, c)}


def split_words(word: str) -> str | None:
    """ "blackandwhite" -> "black and white": the only way to cut the word into two or three known words."""
    known = known_words()
    two: list[str] = []
    three: list[str] = []
    for i in range(2, len(word) - 1):
        head, tail = word[:i], word[i:]
        if head not in known:
            continue
        if tail in known:
            two.append(f"{head} {tail}")
        for j in range(2, len(tail) - 1):
            if tail[:j] in known and tail[j:] in known:
                three.append(f"{head} {tail[:j]} {tail[j:]}")
    ways = two or three  # the fewest parts: "upsidedown" is "upside down", not "up side down"
    return ways[0] if len(ways) == 1 else None


def _meaning(word: str) -> object:
    from .adjust import CONCEPTS
    from .polarity import direction_of

    return CONCEPTS.get(word) or direction_of(word) or word


def fix(word: str) -> str | None:
    """The word the person meant, or None when it is not a typo of exactly one known word."""
    from .real_words import REAL_WORDS

    known = known_words()
    if word in known or word in NOT_TYPOS or word in REAL_WORDS or len(word) > 24 or len(word) < 3:
        return None
    found = candidates(word)
    if len(word) < MIN_LENGTH:
        found = {c for c in found if _swapped(word, c)}
    if len({_meaning(c) for c in found}) == 1:
        return min(found)  # one meaning ("darkr": dark or darker, both darker)
    if not found and len(word) >= 6:
        return split_words(word)
    return None


def correct(text: str) -> tuple[str, dict[str, str]]:
    """The text with its typos fixed, and what was changed. Words that a text overlay will write are left alone."""
    spans = [(m.start(), m.end()) for m in _PROTECTED.finditer(text)]
    starts = [a for a, _ in spans]
    changes: dict[str, str] = {}

    def repair(match: re.Match[str]) -> str:
        word = match.group(0)
        at = bisect.bisect_right(starts, match.start()) - 1
        if (at >= 0 and match.start() < spans[at][1]) or word.startswith("qtext"):
            return word
        fixed = fix(word)
        if fixed is None:
            return word
        changes[word] = fixed
        return fixed

    return _WORD.sub(repair, text), changes
