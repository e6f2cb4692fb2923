"""An emoji as Unicode's fully-qualified form writes it, so that one emoji is one kudos."""

from __future__ import annotations

PRESENTATION = "\ufe0f"  # the emoji variation selector (VS16); its text twin is U+FE0E
KEYCAP_MARK = "\u20e3"
SKIN_TONES = range(0x1F3FB, 0x1F400)

# The symbols shown as text unless followed by U+FE0F (Unicode's emoji symbols without
# Emoji_Presentation, as of Emoji 16.0): ❤ and ❤️ are one heart, the second written in full.
TEXT_BY_DEFAULT = frozenset(
    "©®‼⁉™ℹ↔↕↖↗↘↙↩↪⌨⏏⏭⏮⏯⏱⏲⏸⏹⏺Ⓜ▪▫▶◀◻◼☀☁☂☃☄☎☑☘☝"
    "☠☢☣☦☪☮☯☸☹☺♀♂♟♠♣♥♦♨♻♾⚒⚔⚕⚖⚗⚙⚛⚜⚠⚧⚰⚱⛈⛏⛑⛓⛩⛰⛱⛴"
    "⛷⛸⛹✂✈✉✌✍✏✒✔✖✝✡✳✴❄❇❣❤➡⤴⤵⬅⬆⬇〰〽㊗㊙🅰🅱🅾🅿🈂🈷🌡🌤🌥🌦"
    "🌧🌨🌩🌪🌫🌬🌶🍽🎖🎗🎙🎚🎛🎞🎟🏋🏌🏍🏎🏔🏕🏖🏗🏘🏙🏚🏛🏜🏝🏞🏟🏳🏵🏷🐿👁📽🕉🕊🕯"
    "🕰🕳🕴🕵🕶🕷🕸🕹🖇🖊🖋🖌🖍🖐🖥🖨🖱🖲🖼🗂🗃🗄🗑🗒🗓🗜🗝🗞🗡🗣🗨🗯🗳🗺🛋🛍🛎🛏🛠🛡"
    "🛢🛣🛤🛥🛩🛰🛳"
)


def fully_qualified(emoji: str) -> str:
    """`emoji` with U+FE0F after each symbol shown as text by default (`TEXT_BY_DEFAULT`, but
    one a skin tone follows) and after a keycap's digit, and nowhere else: ❤ and ❤️ (or ❤︎)
    give ❤️, 1⃣ gives 1️⃣, ☕️ gives ☕. What keyboards and Slack send, and what shows as an
    emoji rather than a text glyph."""
    bare = emoji.replace(PRESENTATION, "").replace("\ufe0e", "")
    written = []
    for symbol, following in zip(bare, [*bare[1:], ""], strict=True):
        written.append(symbol)
        toned = following != "" and ord(following) in SKIN_TONES
        if (symbol in TEXT_BY_DEFAULT and not toned) or following == KEYCAP_MARK:
            written.append(PRESENTATION)
    return "".join(written)
