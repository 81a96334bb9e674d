# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Words the parser understands beyond operation names: amounts, colours, positions, filler.

Amounts are multipliers of an operation's default strength: "slightly" halves it, "much" nearly doubles it,
"by 20%" sets it exactly (the operation decides what 20% means for it).
"""

from __future__ import annotations

import re

AMOUNT_WORDS: list[tuple[str, float]] = [
    (r"\b(a tiny bit|very slightly|barely|a touch|a hair|a smidge)\b", 0.3),
    (
        r"\b(slightly|slight|a bit|a little( bit)?|somewhat|subtly|subtle|gently|mildly|a tad|lightly|a notch|a few)\b",
        0.5,
    ),
    (r"\b(much|a lot|lots|very|strongly|significantly|heavily|way|really|considerably|dramatically)\b", 1.8),
    (r"\b(extremely|massively|hugely|super|intensely)\b", 2.5),
]
_PERCENT = re.compile(r"(?:\bby |(?<![\w.])[+-]?)(?P<pct>\d+(?:\.\d+)?) ?(%|percent)")

COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "red": (220, 30, 30),
    "green": (30, 170, 60),
    "blue": (30, 80, 220),
    "yellow": (250, 220, 30),
    "orange": (250, 140, 20),
    "purple": (130, 50, 180),
    "violet": (140, 80, 220),
    "pink": (245, 120, 180),
    "magenta": (230, 30, 200),
    "cyan": (30, 210, 230),
    "teal": (0, 128, 128),
    "turquoise": (64, 224, 208),
    "brown": (130, 80, 40),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "gold": (212, 175, 55),
    "navy": (20, 30, 110),
    "maroon": (128, 0, 0),
    "olive": (128, 128, 0),
    "lime": (120, 230, 40),
    "beige": (235, 225, 200),
    "cream": (255, 250, 220),
    "ivory": (255, 255, 240),
    "crimson": (200, 20, 60),
    "coral": (255, 127, 80),
    "salmon": (250, 128, 114),
    "indigo": (75, 0, 130),
    "lavender": (200, 180, 240),
    "mint": (170, 240, 200),
    "sky blue": (120, 190, 240),
    "light blue": (170, 210, 245),
    "dark blue": (10, 30, 120),
    "light gray": (210, 210, 210),
    "light grey": (210, 210, 210),
    "dark gray": (64, 64, 64),
    "dark grey": (64, 64, 64),
    "dark green": (10, 90, 30),
    "light green": (150, 230, 150),
    "mint green": (152, 255, 200),
    "forest green": (34, 110, 34),
    "lime green": (120, 230, 40),
    "olive green": (110, 120, 40),
    "sea green": (46, 160, 100),
    "navy blue": (20, 30, 110),
    "royal blue": (50, 90, 220),
    "baby blue": (160, 200, 240),
    "hot pink": (255, 80, 170),
}
_COLOUR_NAMES = sorted(COLOURS, key=len, reverse=True)
COLOUR_RE = r"(?:#[0-9a-f]{6}\b|#[0-9a-f]{3}\b|" + "|".join(re.escape(n) for n in _COLOUR_NAMES) + r")"

POSITIONS = {
    "top left": (0.0, 0.0),
    "top center": (0.5, 0.0),
    "top right": (1.0, 0.0),
    "center left": (0.0, 0.5),
    "center": (0.5, 0.5),
    "center right": (1.0, 0.5),
    "bottom left": (0.0, 1.0),
    "bottom center": (0.5, 1.0),
    "bottom right": (1.0, 1.0),
}
POSITION_RE = (
    r"(?:(?:top|bottom|upper|lower)[ -](?:left|right|center|centre|middle)|(?:center|centre|middle)[ -](?:left|right)"
    r"|top|bottom|center|centre|middle|left|right)"
)


# Words that carry no instruction of their own ("make it a bit warmer please" = "warmer"). Words that lower or
# reverse an operation (less, reduce, lower, down, too, not …) are deliberately absent: a direction word that no
# operation took is never ignored, the clause is refused instead.
FILLER = set(
    """
    a an the it its this that these those image images photo photos picture pictures pic pics shot whole entire
    please pls plz kindly can could would you i want wish like to make made making do give apply add put turn set
    use me my our us some bit little more very much slightly just also so then now again look looking
    of on in at with by for into onto from as and or overall entire all everything version is be should get got
    have has let lets effect filter style tone tones colour color colors colours quite rather way lot lots
    somewhat really kind sort touch tad nice nicer good great up over out thanks thank convert change transform
    switch render adjust fix correct improve increase raise boost enhance grade edit modify tweak bump go ever
    slight them both was were been am are maybe possible if able mind love appreciate okay ok cheers there here
    whole notch bunch few lot lil abit alittle pleas plese pleaae u ur think guess
    """.split()
)
# Greetings are welcome around an instruction, but are not one ("hello" alone is refused, naming it).
GREETINGS = {"hi", "hello", "hey", "heya", "hiya", "yo", "cheers", "thx", "ty", "thanks", "thank", "dear"}
# Contractions spelled out, so "it's too dark" reads as a copula and "don't" as a negation.
CONTRACTIONS = [
    (r"\b(it|that|there|what|this|here)'s\b", r"\1 is"),
    (r"\b(is|are|does|do|was|were|has|have|could|should|would)n'?t\b", r"\1 not"),
    (r"\bcan'?t\b", "can not"),
    (r"\bwon'?t\b", "will not"),
    (r"\bi'?m\b", "i am"),
    (r"\b(i|you|we|they)'d\b", r"\1 would"),
    (r"\b(i|you|we|they)'ll\b", r"\1 will"),
    (r"\b(you|we|they)'re\b", r"\1 are"),
    (r"\b(i|you|we|they)'ve\b", r"\1 have"),
    (r"\blet'?s\b", "let us"),
    (r"\b(colou?rs|tones|highlights|shadows|whites|blacks|greens|reds|blues)'re\b", r"\1 are"),
]


def amount(text: str, default: float = 1.0) -> float:
    """The strength multiplier the words ask for (1 when they do not say)."""
    for pattern, value in AMOUNT_WORDS:
        if re.search(pattern, text):
            return value
    return default


def percent(text: str) -> float | None:
    match = _PERCENT.search(text)
    return float(match.group("pct")) / 100 if match else None


def colour(text: str) -> tuple[int, int, int] | None:
    hex_match = re.search(r"#([0-9a-f]{6}|[0-9a-f]{3})\b", text)
    if hex_match:
        h = hex_match.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    for name in _COLOUR_NAMES:
        if re.search(rf"\b{re.escape(name)}\b", text):
            return COLOURS[name]
    return None


def position(text: str, default: str = "center") -> str:
    """A canonical position name ("top right", "bottom center", ...)."""
    match = re.search(POSITION_RE, text)
    if not match:
        return default
    words = match.group(0).replace("upper", "top").replace("lower", "bottom").replace("centre", "center")
    words = words.replace("middle", "center").replace("-", " ")
    parts = words.split()
    if len(parts) == 1:
        word = parts[0]
        return {"left": "center left", "right": "center right", "top": "top center", "bottom": "bottom center"}.get(
            word, "center"
        )
    vertical, horizontal = parts
    if vertical == "center":
        return f"center {horizontal}"
    return f"{vertical} {horizontal}"


# Words of the phrase table (op names and their words), so a typo of one of them can be corrected (typos.py).
LEXICON = set(
    """
    across add aesthetic aged anime antique apply aquarelle around art aspect atmosphere away back backdrop background
    balance bars beautiful bigger black blacks blackwhite blue blur blurred blurry bokeh book border borders borrow
    bottom brightness broader brooding calm canvas cast ccw center centre change chop cinematic clear clockwise
    counterclockwise anticlockwise cloudy collage combine completely contrast convert copy corner corners correct
    cosier cozier cozy cosy crooked crop crush cut cyan dark darken darker darks day deblur deepen deeper defocus deg
    degrees delete denoise depth double down downscale downsize dramatic drawing dream dreamy drop dusk edge edges
    effect enhance enlarge entirely era erase ethereal expand expose exposure extend faint fashioned feel feeling
    film filmed filter fix flat flip focus foreground format frame fully gaussian gentle glow grade gradient grain
    gray grey grayscale greyscale green greener ground half halve heavy height high highlights histogram horizon
    horizontal horizontally hour hygge image improve insert intense inverse invert inverted key landscape larger
    left letterbox level levels light lighting line logo look looks magenta make matte middle mirror mode mono
    monochromatic monochrome mood moodier moody mosaic movie negative night noir noise orange outpaint overcast
    overlay pad padding paint painting painterly pale palette paste pencil sketch sketchy charcoal percent person
    people photo photograph photographed picture pillarbox pink pixel pixels pixelate pixelated pixelize posterize
    posterise posterized portrait preserve product purple radius ratio red reduction relief removal remove replace
    resize retain retro rotate rotated scale scene seventies eighties shadows shallow shape shave shift shot shrink
    side size skewed skies skin sky slanted slightly sloping smaller snug soft soften space spin square stamp starry
    stars stitch storm stormy straight straighten straightened stretch strip strong stunning style subject subtle
    sunrise sunset surroundings swap tall taller thick thin tilt tilted tinge tint together tone toon top totally
    transfer transparent trim turquoise twice uncrop unsharp upscale upside vertical vertically vibe vibrance
    vintage violet vivid warm warmth wash watermark white wide widen wider widescreen width wonky yellow vignette
    vignetting colour color colourful colorful colourless colorless colourise colorize colourised colorized sepia
    cartoon cartoonish comic emboss embossed watercolour watercolor oil sharpen sharpened saturate desaturate
    desaturated normalise normalize neutralise neutralize splash text caption title label write golden
    lighter brighter brighten lighten flipped mirrored zoom zoomed portrait clarity noisy grainy vibrant
    saturated saturation taken shot filmed photographed reds oranges yellows greens aquas cyans teals blues purples
    violets magentas pinks whites darks brights intense intensity strong strength upside underexpose overexpose
    expose exposed
    """.split()
)
