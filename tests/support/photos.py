"""Graduate photos as the rules want them: JPEG, 150 px wide × 200 px high, 5–20 KB."""
import io
import random

from PIL import Image


def photo(seed: int, colour: tuple[int, int, int] = (90, 120, 200), size: tuple[int, int] = (150, 200)) -> bytes:
    """A speckled JPEG between 5 and 20 KB, mostly `colour`; 150×200 unless `size` says otherwise."""
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    img.putdata([(rng.randrange(256),) * 3 if rng.random() < 0.08 else colour for _ in range(size[0] * size[1])])
    for quality in range(95, 10, -5):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        if 5 * 1024 <= out.tell() <= 20 * 1024:
            return out.getvalue()
    raise AssertionError("could not make a photo of the right size")
