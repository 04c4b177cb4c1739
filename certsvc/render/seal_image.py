"""The picture of a bureau's electronic seal: a red ring, a five-pointed star, the bureau's name
along the top of the ring — the round official seal (公章) a paper licence carries.

Drawn with Pillow at 400 px for a 40 mm seal, PNG with a transparent background, so the
seal sits over the text like a stamp. The picture is part of the seal data that the bureau
signs (:mod:`certsvc.credential.ses`).

    png = seal_png("浙江省市场监督管理局", find_font(None))
"""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 400  # pixels for the 40 mm seal (SEAL_MM): 0.1 mm a pixel
RED = (218, 37, 29, 255)


def _star(centre: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((centre + r * math.cos(angle), centre + r * math.sin(angle)))
    return points


@cache
def seal_png(name: str, font: Path) -> bytes:
    """The seal of ``name`` (drawn once per name and font: the picture never changes)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), outline=RED, width=14)
    draw.polygon(_star(SIZE / 2, SIZE * 0.17), fill=RED)
    face = ImageFont.truetype(str(font), 44)
    # the name along the ring's upper part, centred on the top, each glyph standing on the
    # ring with its foot towards the centre
    span = math.radians(min(240, 22 * len(name)))
    for i, character in enumerate(name):
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(name)
        glyph = Image.new("RGBA", (56, 56), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((28, 28), character, font=face, fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = SIZE / 2 + SIZE * 0.35 * math.cos(angle) - 28
        y = SIZE / 2 + SIZE * 0.35 * math.sin(angle) - 28
        image.alpha_composite(glyph, (round(x), round(y)))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
