"""Honest refusals: say which words were not understood, why (when it is a known kind of request the classic
engine cannot do), what it can do instead, and which engines could."""

from __future__ import annotations

import re

from ...errors import EngineRefusal
from .ops import capabilities

GENERATIVE = ["diffusers", "openai"]

# (pattern on the clause, reason). First match wins.
_REASONS: list[tuple[str, str]] = [
    (
        r"\b(colou?ri[sz]e|colou?ri[sz]ation|add colou?rs? to|restore (the )?colou?rs?"
        r"|colou?r( in)?( the| this| an?| my)?( old)? blackwhite"
        r"|(bring back|recover|return)( the| its)? (original )?colou?rs?)\b",
        "colorizing a black-and-white photo means inventing colours, which needs a generative engine",
    ),
    (
        r"\b(change|replace|edit|fix|correct|translate|erase|delete|rotate|move|make|swap|spell|rewrite|update|enlarge|"
        r"shrink|recolou?r)\b.{0,60}\b(text|word|words|writing|lettering|letters|caption|title|label|sign|font)\b",
        "changing text that is already in the picture needs it read first (text recognition) and redrawn, which "
        "needs a generative engine; the classic engine can only add new text ('add the text \"Hello\" at the top')",
    ),
    (
        r"\b(add|write|put|place|insert|overlay)\b.{0,40}\b(text|caption|title|label|words?|something|anything)\b",
        "a text overlay needs the words to write, in quotes: 'add the text \"Happy birthday\" at the top'",
    ),
    (
        r"\bcrop\b.{0,30}\b(mask|masked|selection|selected)\b",
        "cropping to the mask is not available: a mask keeps the picture's frame (everything outside it is "
        "restored); drop the mask and crop to an aspect ratio, a side, the subject, or zoom in",
    ),
    (
        r"^(please )?(crop|trim|cut)( it| this| the (image|photo|picture))?$|\bcrop\b",
        "say what to crop to: an aspect ratio ('crop to 16:9', 'square'), a side ('crop the left side'), the subject "
        "('crop to the person'), or a centre crop by an amount ('zoom in 20%')",
    ),
    (
        r"\bzoom(ed)? ?out\b",
        "zooming out needs picture beyond the frame: 'make it wider' or 'extend to 16:9' fills it from the picture "
        "itself, and a generative engine can invent it",
    ),
    (
        r"\btame( the)? (shadows|blacks|darks)\b",
        "'tame the shadows' could mean lighter or darker: say 'lift the shadows' or 'deepen the shadows'",
    ),
    (
        r"^(make|turn|set)?( the)? (sky|skies|back ?ground|backdrop|subject|foreground|person|shadows|highlights)$",
        "a clause names a region but no change: say what to do to it ('make the sky darker')",
    ),
    (
        r"\b(remove|erase|delete|get rid of|take out|take away|clean up|eliminate|hide|cut out)\b",
        "{mask_hint}",
    ),
    (
        r"\b(background|backdrop|sky|skies)\b",
        "this background or sky instruction was not understood; the classic engine can blur the background, "
        "replace it with a colour, a gradient or another input image, or remove it (transparent), and replace the "
        "sky with a sunset, a clear blue, a stormy or a night sky",
    ),
    (
        r"\b(second|third|fourth|other|reference|2nd|3rd|4th) (image|photo|picture|one)\b|\bimages\b",
        "with several images the classic engine can take the colours of the second image, paste it (into the mask, "
        "a corner, or as a watermark), or put the images side by side",
    ),
    (
        r"\b(he|she|him|her|his|hers|they|them|their|person|people|man|woman|men|women|boy|girl|child|kid|face|"
        r"faces|smile|smiling|eyes|hair|expression|older|younger|age|pose)\b",
        "changing people (expressions, age, identity, hair style, pose, adding or removing features) needs a "
        "generative engine; the classic engine can anonymise faces, retouch a portrait (smooth or even out the "
        "skin, whiten teeth, brighten eyes, remove red eye, colour the lips) and crop to a headshot or a passport "
        "photo",
    ),
    (
        r"\b(replace|swap|substitute|into|instead of|turn( \w+){1,4} into|change (the|his|her|its) \w+ (to|into))\b",
        "replacing or transforming objects needs a generative engine",
    ),
    (
        r"\b(add|insert|put|place|draw|paint|include|create|generate|give)\b",
        "adding new objects or content needs a generative engine",
    ),
    (
        r"\b(make|turn|paint|colou?r|change) (the|his|her|their|its) \w+( \w+)? (to |into )?(red|green|blue|yellow|"
        r"orange|purple|pink|black|white|gr[ae]y|brown|gold|silver)\b",
        "recolouring one object needs a mask that marks it (then ask for a tint inside the mask), or a generative "
        "engine that can find it",
    ),
    (
        r"\b(what|why|how|who|where|when|tell me|describe|explain|hello|hi|thanks)\b",
        "this is not an edit instruction; describe how the image should change",
    ),
    (
        r"\b(less|lower|reduce|decrease|down|too|not)\b",
        "a word that lowers or reverses ('less', 'reduce', 'too', 'not') was not attached to anything the classic "
        "engine can turn down (brightness, exposure, contrast, saturation, vibrance, warmth, a colour, shadows, "
        "highlights, sharpness, noise or size): it is not ignored, so the request was refused",
    ),
]


def _reason(clause: str, has_mask: bool) -> str | None:
    for pattern, reason in _REASONS:
        if re.search(pattern, clause):
            if reason == "{mask_hint}":
                if has_mask:
                    return None
                return (
                    "removing an object needs a mask that marks it (white where it is, black elsewhere; "
                    "mask_image_url), or a generative engine that can find it"
                )
            return reason
    return None


def refusal_for(
    failed: list[tuple[str, list[str]]], quotes: list[str], *, has_mask: bool, num_inputs: int
) -> EngineRefusal:
    words: list[str] = []
    reasons: list[str] = []
    for clause, unknown in failed:
        words.extend(w for w in unknown if w not in words)
        reason = _reason(clause, has_mask)
        if reason and reason not in reasons:
            reasons.append(reason)
    if not words and not reasons:
        reasons.append("no edit instruction was found in the prompt")
    parts = []
    if words:
        shown = ", ".join(f"'{w}'" for w in words[:12])
        parts.append(f"The classic engine did not understand {shown}")
    parts.extend(reasons)
    message = (
        ". ".join(p[0].upper() + p[1:] for p in parts)
        + f". The classic engine can do: {capabilities()}."
        + f" For this request use a generative engine ({', '.join(GENERATIVE)}): set 'engine', or send "
        "'openai_api_key' to run it on OpenAI."
    )
    return EngineRefusal(message, not_understood=words, capable_engines=list(GENERATIVE))
