"""The generated corpus: operations × verbs × objects × direction words × amounts × fillers, each case with the
operation and the sign it must be read as. Deterministic (a fixed seed picks the sample)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

# axis -> (the operation for +, the operation for -), and the nouns that name it.
AXES: dict[str, tuple[tuple[str, str], list[str]]] = {
    "brightness": (("brightness", "brightness"), ["brightness", "the brightness", "the image brightness"]),
    "contrast": (("contrast", "contrast"), ["contrast", "the contrast", "the image contrast"]),
    "saturation": (("saturation", "saturation"), ["saturation", "the saturation", "the colours", "the colors"]),
    "warmth": (("warmth", "warmth"), ["warmth", "the warmth", "the colour temperature", "the temperature"]),
    "exposure": (("exposure", "exposure"), ["exposure", "the exposure"]),
    "vibrance": (("vibrance", "vibrance"), ["vibrance", "the vibrance"]),
    "shadows": (("shadows", "shadows"), ["the shadows", "shadows"]),
    "highlights": (("highlights", "highlights"), ["the highlights", "highlights"]),
    "sharpness": (("sharpen", "blur"), ["sharpness", "the sharpness", "the detail"]),
    "noise": (("grain", "denoise"), ["noise", "the noise", "the grain"]),
}
UP_VERBS = ["increase", "raise", "boost", "add", "turn up", "pump up", "crank up", "bump up", "bring up", "more",
            "heighten", "intensify", "amplify", "strengthen"]  # fmt: skip
DOWN_VERBS = ["decrease", "reduce", "lower", "tone down", "dial back", "dial down", "bring down", "knock down",
              "turn down", "cut", "drop", "less", "lessen", "minimise", "minimize", "diminish", "weaken", "take down",
              "cut back", "tame"]  # fmt: skip
PHRASAL = [("turn", "up", 1), ("turn", "down", -1), ("bring", "up", 1), ("bring", "down", -1), ("dial", "back", -1),
           ("tone", "down", -1), ("knock", "down", -1), ("crank", "up", 1), ("pump", "up", 1)]  # fmt: skip
FILLERS = ["", "please ", "can you ", "could you please ", "i want to ", "hey, ", "kindly "]
AMOUNTS = ["", " a bit", " slightly", " a lot", " a little", " by 20%", " a touch", " a notch"]
TAILS = ["", " please", "?", " for me", ", thanks", "!"]
# Adjectives with their axis and polarity, for "make it X", "make it more/less X", complaints.
ADJECTIVES = [
    ("bright", "brightness", 1), ("dark", "brightness", -1), ("light", "brightness", 1), ("dim", "brightness", -1),
    ("warm", "warmth", 1), ("cool", "warmth", -1), ("cold", "warmth", -1), ("contrasty", "contrast", 1),
    ("punchy", "contrast", 1), ("flat", "contrast", -1), ("saturated", "saturation", 1), ("vivid", "saturation", 1),
    ("colourful", "saturation", 1), ("colorful", "saturation", 1), ("dull", "saturation", -1),
    ("muted", "saturation", -1), ("vibrant", "vibrance", 1), ("sharp", "sharpness", 1), ("crisp", "sharpness", 1),
    ("blurry", "sharpness", -1), ("noisy", "noise", 1), ("grainy", "noise", 1),
]  # fmt: skip
COMPARATIVES = [
    ("brighter", "brightness", 1), ("darker", "brightness", -1), ("lighter", "brightness", 1),
    ("warmer", "warmth", 1), ("cooler", "warmth", -1), ("colder", "warmth", -1), ("punchier", "contrast", 1),
    ("flatter", "contrast", -1), ("sharper", "sharpness", 1), ("blurrier", "sharpness", -1),
    ("crisper", "sharpness", 1), ("dimmer", "brightness", -1),
]  # fmt: skip
COLOURS = ["red", "green", "blue", "yellow", "orange", "magenta", "pink", "purple", "cyan"]
COMPLAINT_FRAMES = ["it's too {a}", "it is too {a}", "it looks too {a}", "the photo is too {a}", "way too {a}",
                    "the image looks {a}", "it seems a bit {a}", "the picture is so {a}", "too {a}"]  # fmt: skip


@dataclass(frozen=True)
class Generated:
    prompt: str
    op: str  # "" when the words are ambiguous and the prompt must be refused
    sign: int  # +1 / -1 for signed operations; 0 when the operation itself is the direction (sharpen, denoise)
    family: str


def _op(axis: str, sign: int) -> tuple[str, int]:
    (up, down), _ = AXES[axis]
    op = up if sign > 0 else down
    return op, (0 if up != down else sign)


def _verb_cases() -> list[Generated]:
    out = []
    for (axis, (_, nouns)), filler, amount, tail in itertools.product(AXES.items(), FILLERS, AMOUNTS, TAILS):
        for verb, sign in [(v, 1) for v in UP_VERBS] + [(v, -1) for v in DOWN_VERBS]:
            for noun in nouns:
                op, want = _op(axis, sign)
                if verb == "tame" and axis == "shadows":  # tamed shadows: lighter or darker? refused
                    op, want = "", 0
                out.append(Generated(f"{filler}{verb} {noun}{amount}{tail}", op, want, "verb"))
    return out


def _phrasal_cases() -> list[Generated]:
    out = []
    for (axis, (_, nouns)), (verb, particle, sign), amount in itertools.product(AXES.items(), PHRASAL, AMOUNTS):
        for noun in nouns:
            op, want = _op(axis, sign)
            out.append(Generated(f"{verb} {noun} {particle}{amount}", op, want, "phrasal"))
    return out


def _adjective_cases() -> list[Generated]:
    out = []
    for (word, axis, polarity), filler, amount in itertools.product(COMPARATIVES, FILLERS, AMOUNTS):
        op, want = _op(axis, polarity)
        out.append(Generated(f"{filler}make it{amount} {word}", op, want, "comparative"))
    for (word, axis, polarity), (more, flip) in itertools.product(ADJECTIVES, [("more", 1), ("less", -1)]):
        for filler, amount in itertools.product(FILLERS, ["", " a bit", " much", " slightly"]):
            op, want = _op(axis, polarity * flip)
            out.append(Generated(f"{filler}make it{amount} {more} {word}", op, want, "more-less"))
    for (word, axis, polarity), frame in itertools.product(ADJECTIVES + COMPARATIVES[:0], COMPLAINT_FRAMES):
        op, want = _op(axis, -polarity)
        out.append(Generated(frame.format(a=word), op, want, "complaint"))
    for word, axis, polarity in ADJECTIVES:
        for frame, sign in (("not so {a}", -polarity), ("not {a} enough", polarity), ("it isn't {a} enough", polarity)):
            op, want = _op(axis, sign)
            out.append(Generated(frame.format(a=word), op, want, "negation"))
    return out


def _colour_cases() -> list[Generated]:
    out = []
    for colour, filler, amount in itertools.product(COLOURS, FILLERS, AMOUNTS):
        for frame, sign in (
            ("make it{m} more {c}", 1), ("make it{m} less {c}", -1), ("add more {c}{m}", 1),
            ("reduce the {c}{m}", -1), ("decrease the {c}{m}", -1), ("increase the {c}{m}", 1),
        ):  # fmt: skip
            out.append(Generated(filler + frame.format(c=colour, m=amount), "colour_balance", sign, "colour"))
    return out


def cases(limit: int = 3600, seed: int = 17) -> list[Generated]:
    """A fixed sample of every family (all of the small ones, an even share of the large ones)."""
    families = [_verb_cases(), _phrasal_cases(), _adjective_cases(), _colour_cases()]
    rng = random.Random(seed)
    picked: list[Generated] = []
    share = limit // len(families)
    for family in families:
        picked += family if len(family) <= share else rng.sample(family, share)
    return picked
