"""Camera-size photos with photographic detail, generated (no real photo of that size is on the machine).

A photo is a sky gradient over a ground gradient, with 1/f noise over several octaves (large soft shapes
down to fine grain, as in real scenes) and a little sensor noise, saved as a 4000 x 3000 JPEG at quality
92 like a phone camera's (~3-5 MB). Re-encoded by the bundle at 1024 px / q70 they weigh what real
photos do (100-200 KB), unlike flat colours (a few KB) or white noise (far more). Seeded: reproducible.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def camera_photo(seed: int, width: int = 4000, height: int = 3000, quality: int = 92) -> bytes:
    rng = np.random.default_rng(seed)
    full = (width, height)
    width, height = max(16, width // 2), max(16, height // 2)  # the scene at half size, then enlarged
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    horizon = 0.35 + 0.2 * rng.random()
    sky = np.array([120, 165, 215], np.float32) * (1 - 0.4 * y / horizon)[..., None]      # (h, 1, 3)
    ground = np.array([95, 110, 60], np.float32) * (0.7 + 0.5 * (y - horizon))[..., None]
    img = np.where((y < horizon)[..., None], sky, ground) * np.ones((1, width, 1), np.float32)
    detail = np.zeros((height, width), np.float32)
    for octave, amplitude in ((8, 60.0), (32, 30.0), (128, 18.0), (512, 12.0), (1500, 7.0)):
        small = rng.standard_normal((max(2, height * octave // width), octave)).astype(np.float32)
        layer = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
        detail += amplitude * np.asarray(layer, dtype=np.float32)
    detail *= (y > horizon * 0.9) + 0.35  # the ground is more textured than the sky
    img += detail[..., None] * np.array([1.0, 0.9, 0.7], np.float32)
    scene = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").resize(full, Image.Resampling.BICUBIC)
    grain = rng.normal(0, 3.0, (full[1], full[0], 1)).astype(np.float32)  # sensor grain, at full size
    out = io.BytesIO()
    Image.fromarray(np.clip(np.asarray(scene, np.float32) + grain, 0, 255).astype(np.uint8), "RGB").save(
        out, "JPEG", quality=quality)
    return out.getvalue()
