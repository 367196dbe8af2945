"""A screenshot as the model gets it: scaled down to fit what the model expects, with
the factor that maps the model's coordinates back onto the screen. A PNG that already
fits goes as it is (no decoding: a flat screen's PNG is no larger than its JPEG, and
sharper); a scaled one goes as JPEG."""
from __future__ import annotations

import base64
import hashlib
import io
import struct
from dataclasses import dataclass

from PIL import Image

JPEG_QUALITY = 80
MAX_PIXELS = 64_000_000  # larger images are refused before decoding


class ScreenshotError(Exception):
    """The screenshot could not be read as an image."""


@dataclass(frozen=True)
class ModelImage:
    b64: str            # the image, base64
    mime: str           # image/png or image/jpeg
    width: int          # of the image the model sees
    height: int
    screen_width: int   # of the real screen
    screen_height: int
    digest: str         # equal for equal screens (for noticing loops)

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{self.b64}"

    @property
    def scale(self) -> float:
        """Image pixels per screen pixel (1.0: not scaled)."""
        return self.width / self.screen_width

    def to_screen(self, x: int, y: int) -> tuple[int, int]:
        """A point of the image as a point of the screen (the centre of the area it covers)."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ValueError(f"({x}, {y}) is outside the screenshot, which is {self.width}x{self.height}")
        sx = int((x + 0.5) * self.screen_width / self.width)
        sy = int((y + 0.5) * self.screen_height / self.height)
        return min(sx, self.screen_width - 1), min(sy, self.screen_height - 1)

    def to_image(self, x: int, y: int) -> tuple[int, int]:
        """A point of the screen as a point of the image (for window positions)."""
        return int(x * self.width / self.screen_width), int(y * self.height / self.screen_height)


def fit(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest size with the screen's aspect that fits in max_width x max_height (turned
    to match the screen: a portrait phone fits 1280x800 as 800x1280)."""
    if (height > width) != (max_height > max_width):
        max_width, max_height = max_height, max_width
    scale = min(1.0, max_width / width, max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def png_size(png: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header; None when it is not a PNG."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", png[16:24])


def model_image(png: bytes, max_width: int = 1280, max_height: int = 800) -> ModelImage:
    """The screenshot scaled to fit (never enlarged): the PNG itself when it fits, else JPEG."""
    digest = hashlib.sha1(png).hexdigest()
    size = png_size(png)
    if size and 0 < size[0] * size[1] <= MAX_PIXELS and fit(*size, max_width, max_height) == size:
        return ModelImage(base64.b64encode(png).decode(), "image/png", *size, *size, digest)
    try:
        image = Image.open(io.BytesIO(png))
        if image.width * image.height > MAX_PIXELS:
            raise ScreenshotError(f"the screenshot is too large ({image.width}x{image.height})")
        image = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise ScreenshotError(f"the screenshot is not a readable image: {e}") from None
    screen = image.size
    size = fit(*screen, max_width, max_height)
    if size != screen:
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return ModelImage(base64.b64encode(out.getvalue()).decode(), "image/jpeg", size[0], size[1],
                      screen[0], screen[1], digest)
