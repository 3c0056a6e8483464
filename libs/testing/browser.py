"""A page as a browser draws it: headless Chromium (Debian package `chromium`) to a PNG screenshot."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, width: int = 1400, height: int = 6000) -> Path:
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={width},{height}",
         f"--screenshot={png}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=90,
    )
    return png


def drawn_share(png: Path) -> float:
    """Share of pixels that are not (near) white: plots and text draw, an empty or broken page does not."""
    pixels = np.asarray(Image.open(png).convert("L"), dtype=np.uint8)
    return float((pixels < 235).mean())


def colourful_share(png: Path) -> float:
    """Share of clearly coloured pixels (saturation): the plots' bars and lines, not black text on white."""
    hsv = np.asarray(Image.open(png).convert("HSV"), dtype=np.uint8)
    return float((hsv[..., 1] > 80).mean())
