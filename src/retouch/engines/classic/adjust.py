"""Signed adjustments: brightness, exposure, contrast, saturation, vibrance, warmth, colour balance, sharpness,
noise, size and the tonal ranges, read from concept words and the direction words attached to them.

A clause is a list of tokens. Concepts ("brightness", "darker", "washed_out") carry an axis and a polarity; direction
words (polarity.py) attach to the concept after them, particles ("down", "up") to the one before; "too X" and "it
looks X" are complaints and ask for the opposite. Every sign comes from ``polarity.combine`` and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .polarity import COPULAS, INTENSIFIERS, PARTICLES, PHRASAL_VERBS, PHRASES, WISHES, combine, direction_of

# word -> (axis, polarity). Polarity 0 is a plain noun: its sign comes from the direction words alone (default up).
CONCEPTS: dict[str, tuple[str, int]] = {}


def _add(axis: str, polarity: int, words: str) -> None:
    for word in words.split():
        CONCEPTS[word] = (axis, polarity)


_add("brightness", 0, "brightness lightness luminosity luminance")
_add("brightness", 1, "bright brighter brighten brightened brightening light lighter lighten lightened illuminate")
_add("brightness", -1, "dark darker darken darkened darkening darkness dim dimmer dimmed")
_add("exposure", 0, "exposure")
_add("exposure", 1, "overexposed overexposure blown_out")
_add("exposure", -1, "underexposed underexposure")
_add("contrast", 0, "contrast")
_add("contrast", 1, "contrasty contrastier punchy punchier")
_add("contrast", -1, "flat flatter flatten flattened")
_add("saturation", 0, "saturation")
_add("saturation", 1, "saturated saturate colourful colorful vivid vivider richer rich pop poppier oversaturated")
_add("saturation", -1, "desaturate desaturated undersaturated dull duller muted washed_out faded_colours grey gray")
_add("saturation", -1, "greyer grayer drab lifeless")
_add("vibrance", 0, "vibrance vibrancy")
_add("vibrance", 1, "vibrant")
_add("warmth", 0, "warmth temperature colour_temperature color_temperature")
_add("warmth", 1, "warm warmer warmed warmest toasty sunnier")
_add("warmth", -1, "cool cooler cooled cold colder chilly icy")
_add("sharpness", 0, "sharpness detail details definition clarity focus")
_add("sharpness", 1, "sharp sharper sharpen sharpened crisp crisper crispy oversharpened")
_add("sharpness", -1, "blur blurry blurrier blurred blurriness soft softer fuzzy out_of_focus smooth smoother smoothen")
_add("sharpness", -1, "unsharp soften softened")
# Alone these blur; beside another concept they lower it ("soften the contrast", "smooth out the highlights").
SOFTENERS = frozenset("soft softer soften softened smooth smoother smoothen".split())
# Words that only say "how much" of the concept beside them ("less intense colours", "the colours are too strong").
NEUTRAL = frozenset("intense intensity strong strength level amount".split())
_add("noise", 0, "noise grain")
_add("noise", 1, "noisy noisier grainy grainier film_grain speckled")
_add("size", 0, "size")
_add("size", 1, "bigger larger big large enlarge upscale upsize")
_add("size", -1, "smaller small shrink downscale downsize tinier")

# Colour words as directions ("greener", "more yellow", "less red"); bare ones need a direction word or complaint.
COLOUR_AXES = {
    "red": "red redder reddish",
    "green": "green greener greenish",
    "blue": "blue bluer bluish blueish",
    "yellow": "yellow yellower yellowish",
    "orange": "orange oranger orangey orangish",
    "magenta": "magenta",
    "pink": "pink pinker pinkish",
    "purple": "purple purpler purplish violet",
    "cyan": "cyan teal turquoise aqua",
}
BARE_COLOURS = {name for name in COLOUR_AXES} | {"violet", "teal", "turquoise", "aqua"}
for _name, _words in COLOUR_AXES.items():
    _add(f"colour:{_name}", 1, _words)

# Words that name the colours as a thing ("make the colours greener"): saturation only when nothing else is named.
OBJECT_NOUNS = frozenset("colours colors colour color hues palette".split())
# Words that complain by themselves: an "over-" word is the problem, not the wish ("it's overexposed").
SELF_COMPLAINTS = frozenset("overexposed overexposure oversaturated oversharpened underexposed underexposure".split())
SELF_COMPLAINTS |= {"blown_out", "washed_out", "faded_colours", "out_of_focus", "undersaturated", "lifeless", "drab"}
CONCEPT_PHRASES = {
    "washed out": "washed_out",
    "washed-out": "washed_out",
    "blown out": "blown_out",
    "out of focus": "out_of_focus",
    "film grain": "film_grain",
    "colour temperature": "colour_temperature",
    "color temperature": "color_temperature",
    "faded colours": "faded_colours",
    "faded colors": "faded_colours",
}
_FOLD = sorted({**PHRASES, **CONCEPT_PHRASES}, key=len, reverse=True)
_FOLD_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in _FOLD) + r")\b")


@dataclass
class Concept:
    axis: str
    polarity: int
    index: int
    word: str
    modifiers: set[str] = field(default_factory=set)
    particles: set[str] = field(default_factory=set)
    complaint: bool = False


@dataclass
class Reading:
    """What a clause's adjustment words say: one signed entry per axis, the tokens they used, and any problem."""

    signs: dict[str, int] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)  # axis -> the concept word it came from
    used: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)  # direction of each attached modifier, in order


def fold(text: str) -> list[str]:
    """Tokens of a clause with direction and concept phrases joined ("tone down" -> "tone_down")."""
    text = _FOLD_RE.sub(lambda m: m.group(1).replace(" ", "_").replace("-", "_"), text)
    return re.findall(r"[a-z0-9#%+_-]+", text)


def _concepts(tokens: list[str], scope_concept: str | None) -> list[Concept]:
    found = [Concept(*CONCEPTS[t], i, t) for i, t in enumerate(tokens) if t in CONCEPTS]
    if not found:
        found = [Concept("saturation", 0, i, t) for i, t in enumerate(tokens) if t in OBJECT_NOUNS][:1]
    if not found and scope_concept is not None:
        found = [Concept(scope_concept, 0, len(tokens), scope_concept)]
    others = [c for c in found if c.word not in SOFTENERS]
    found = others if others else found
    if any(t in OBJECT_NOUNS for t in tokens):
        # Said of the colours, light and softness words are about saturation: "the colours look flat" (dull),
        # "the colours are too bright" (too saturated), "make the colours softer" (muted).
        for c in found:
            if c.axis in ("contrast", "brightness") or c.word in SOFTENERS:
                c.axis, c.polarity = "saturation", (-1 if c.word in SOFTENERS else c.polarity)
    return found


def _nearest(concepts: list[Concept], index: int, forward: bool) -> Concept | None:
    after = [c for c in concepts if c.index > index]
    before = [c for c in concepts if c.index < index]
    if forward:
        return after[0] if after else (before[-1] if before else None)
    return before[-1] if before else (after[0] if after else None)


def _complaint_by_copula(tokens: list[str], concepts: list[Concept]) -> None:
    """ "it looks flat", "the colours are a bit dull": a copula, intensifiers, then the concept, and no wish word
    ("make it look …", "it should be …") before the copula."""
    for i, token in enumerate(tokens):
        if token not in COPULAS or any(t in WISHES for t in tokens[:i]):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j] in INTENSIFIERS:
            j += 1
        for concept in concepts:
            if concept.index == j and concept.polarity != 0:
                concept.complaint = True


def read(tokens: list[str], scope_concept: str | None = None, carried: str | None = None) -> Reading:
    """Reads the signed concepts of a clause. ``scope_concept`` is the concept a scope word stands for when no other
    concept is named ("boost the shadows"); ``carried`` is the direction of the clause before, for a bare noun
    after "and" ("reduce the brightness and contrast")."""
    reading = Reading()
    concepts = _concepts(tokens, scope_concept)
    if not concepts:
        return reading
    reading.used.update(c.index for c in concepts)
    _complaint_by_copula(tokens, concepts)
    consumed: set[int] = set()
    negated = "not" in tokens and "enough" in tokens  # "not bright enough": more of it, not less
    for i, token in enumerate(tokens):
        if i in consumed:
            continue
        target: Concept | None = None
        if token in ("too", "overly", "excessively"):
            target = _nearest(concepts, i, forward=True)
            if target is not None:
                target.complaint = True
                consumed.add(i)
            continue
        if negated and token in ("not", "enough"):
            consumed.add(i)
            continue
        if token in NEUTRAL:
            consumed.add(i)
            continue
        direction = direction_of(token)
        if direction is None and token in SOFTENERS and all(c.index != i for c in concepts):
            direction = "DOWN"
        if direction is None and token in PHRASAL_VERBS:
            particle = next((j for j in range(i + 1, len(tokens)) if tokens[j] in PARTICLES), None)
            if particle is not None:
                direction = PARTICLES[tokens[particle]]
                consumed.add(particle)
        if direction is not None:
            target = _nearest(concepts, i, forward=True)
            if target is not None:
                target.modifiers.add(direction)
                reading.modifiers.append(direction)
                consumed.add(i)
        elif token in PARTICLES:
            target = _nearest(concepts, i, forward=False)
            if target is not None:
                target.particles.add(PARTICLES[token])
                consumed.add(i)
    reading.used |= consumed
    for concept in concepts:
        # "it's overexposed" is a complaint; "make it look less washed out" is a wish that uses the same word.
        wished = any(t in WISHES for t in tokens[: concept.index])
        if concept.word in SELF_COMPLAINTS and not concept.modifiers and not wished:
            concept.complaint = True
    _signs(concepts, reading, carried)
    return reading


def _signs(concepts: list[Concept], reading: Reading, carried: str | None) -> None:
    def directed(c: Concept) -> bool:
        return bool(c.polarity or c.modifiers or c.complaint or c.particles)

    for concept in concepts:
        if not directed(concept) and any(o is not concept and o.axis == concept.axis and directed(o) for o in concepts):
            continue  # the noun is only the object of its directed word ("flatten the contrast")
        modifiers = set(concept.modifiers)
        if concept.particles:
            if concept.polarity == 0:
                modifiers |= concept.particles
            elif concept.particles != {"UP" if concept.polarity > 0 else "DOWN"}:
                reading.problems.append(concept.word)  # "warm it down": the particle contradicts the word
                continue
        if concept.axis.startswith("colour:") and concept.word in BARE_COLOURS:
            if not modifiers and not concept.complaint:
                reading.used.discard(concept.index)  # "make it red": a recolour, not a direction; left unknown
                continue
        if concept.polarity == 0 and not modifiers and not concept.complaint and carried:
            modifiers = {carried}
        sign = combine(concept.polarity, modifiers, concept.complaint)
        previous = reading.signs.get(concept.axis)
        if sign is None or (previous is not None and previous != sign):
            reading.problems.append(concept.word)
            continue
        reading.signs[concept.axis] = sign
        reading.words.setdefault(concept.axis, concept.word)
        if concept.complaint:
            reading.words[concept.axis + ":complaint"] = "1"
