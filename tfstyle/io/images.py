"""Image loading and saving with one clear error for every kind of bad file.

Every image enters tfstyle through `load_image` as float32 RGB in [0, 1] (H, W, 3),
whatever the file holds: EXIF orientation applied; grayscale, palette, alpha, CMYK
and 16-bit modes converted. Every image leaves through `save_image`, which writes
to a temporary file and renames it, so a crash never leaves a half-written output,
and which refuses to replace an existing file unless asked.
"""

import contextlib
import os
import tempfile
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tfstyle.errors import ImageError, InvalidArgumentError, OutputExistsError

# 100 megapixels (e.g. 10000 x 10000): far above any photo a user means to stylise,
# far below what a crafted "decompression bomb" header claims.
DEFAULT_MAX_PIXELS = 100_000_000
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
_SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _to_rgb_array(img):
    """Converts a loaded PIL image of any mode to float32 RGB in [0, 1]."""
    if img.mode in _SIXTEEN_BIT_MODES:
        gray = np.asarray(img, dtype=np.float32) / 65535.0
        return np.repeat(np.clip(gray, 0.0, 1.0)[..., None], 3, axis=-1)
    if img.mode == "F":
        gray = np.asarray(img, dtype=np.float32)
        if gray.size and gray.max() > 1.0:
            gray = gray / 255.0
        return np.repeat(np.clip(gray, 0.0, 1.0)[..., None], 3, axis=-1)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        # Transparent pixels become white, as in every image viewer.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def load_image(path, max_side=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Loads an image file as float32 RGB in [0, 1] with shape (H, W, 3).

    Args:
        path: file path (PNG, JPEG, or anything Pillow reads).
        max_side: if set, images whose longer side is larger are downscaled
            (Lanczos, aspect kept) so that it equals `max_side`.
        max_pixels: refuse images with more pixels than this before decoding them
            (protects against decompression bombs).

    Returns:
        A numpy array of shape (H, W, 3), dtype float32, values in [0, 1].

    Raises:
        ImageError: the file is missing, not an image, corrupt, truncated or too large.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ImageError(f"image '{path}' does not exist")
    if os.path.isdir(path):
        raise ImageError(f"image '{path}' is a folder, not an image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            width, height = img.size
            if width * height > max_pixels:
                raise ImageError(
                    f"image '{path}' is {width}x{height} = {width * height / 1e6:.0f} "
                    f"megapixels, above the limit of {max_pixels / 1e6:.0f} megapixels"
                )
            if width < 1 or height < 1:
                raise ImageError(f"image '{path}' has no pixels ({width}x{height})")
            if max_side and max(width, height) > max_side and img.format == "JPEG":
                # Let libjpeg decode at a reduced scale: much faster and smaller for huge photos.
                img.draft("RGB", (max_side, max_side))
            img.load()
            try:
                img = ImageOps.exif_transpose(img)
            except Exception:  # noqa: BLE001 - a broken EXIF block must not reject the pixels
                pass
            if max_side and max(img.size) > max_side:
                img = _resize_to_max_side(img, max_side)
            return _to_rgb_array(img)
    except ImageError:
        raise
    except Image.DecompressionBombError as e:
        raise ImageError(f"image '{path}' is too large to decode safely: {e}") from None
    except UnidentifiedImageError:
        raise ImageError(f"'{path}' is not an image file Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as e:
        reason = str(e) or type(e).__name__
        if "truncated" in reason:
            reason = "the file is truncated"
        raise ImageError(f"cannot read image '{path}': {reason}") from None


def _resize_to_max_side(img, max_side):
    width, height = img.size
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "A" in img.mode or img.mode == "P" else "RGB")
    return img.resize(size, Image.LANCZOS)


def list_images(folder, recursive=True):
    """Sorted paths of the .jpg/.jpeg/.png files in `folder` (recursively by default)."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise InvalidArgumentError(f"'{folder}' is not a folder")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(
            os.path.join(root, f) for f in sorted(files) if f.lower().endswith(IMAGE_EXTENSIONS)
        )
        if not recursive:
            break
    return found


def check_output_path(path, overwrite=False, extensions=IMAGE_EXTENSIONS):
    """Validates an output path before any work is done.

    Raises:
        InvalidArgumentError: unsupported extension, or the parent is not a folder.
        OutputExistsError: the file exists and `overwrite` is False.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise InvalidArgumentError(f"output '{path}' is a folder; give a file name")
    ext = os.path.splitext(path)[1].lower()
    if extensions and ext not in extensions:
        raise InvalidArgumentError(
            f"output '{path}' must end in one of {', '.join(extensions)} (got '{ext or 'none'}')"
        )
    if os.path.exists(path) and not overwrite:
        raise OutputExistsError(f"output '{path}' exists; pass --overwrite to replace it")
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise InvalidArgumentError(f"cannot write '{path}': '{parent}' is not a folder")
    return path


@contextlib.contextmanager
def atomic_write(path, overwrite=False):
    """Yields a temporary path in the destination folder; on success moves it to `path`.

    The destination appears complete or not at all. Without `overwrite`, an existing
    destination is never replaced, even if it appeared while we were writing.
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not overwrite and os.path.exists(path):
        raise OutputExistsError(f"output '{path}' exists; pass --overwrite to replace it")
    try:
        os.makedirs(parent, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=parent)
    except OSError as e:  # named by the destination, not by our temporary file
        raise OSError(e.errno, e.strerror, path) from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
    try:
        yield tmp
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic and never clobbers
            except FileExistsError:
                raise OutputExistsError(
                    f"output '{path}' exists; pass --overwrite to replace it"
                ) from None
            except OSError:  # file systems without hard links
                if os.path.exists(path):
                    raise OutputExistsError(
                        f"output '{path}' exists; pass --overwrite to replace it"
                    ) from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_image(path, image, overwrite=False, quality=95):
    """Saves a float image in [0, 1] (H, W, 3) or (1, H, W, 3) as PNG or JPEG, atomically.

    Args:
        path: destination; the format follows the extension (.png, .jpg, .jpeg).
        image: array-like (numpy or tensor), values clipped to [0, 1].
        overwrite: replace an existing file. Without it an existing file is an error.
        quality: JPEG quality.

    Raises:
        OutputExistsError: `path` exists and `overwrite` is False.
        InvalidArgumentError: unsupported extension or image shape.
    """
    path = os.fspath(path)
    check_output_path(path, overwrite=overwrite)
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or array.shape[-1] != 3:
        raise InvalidArgumentError(f"expected an image of shape (H, W, 3), got {array.shape}")
    pixels = np.round(np.clip(np.nan_to_num(array), 0.0, 1.0) * 255.0).astype(np.uint8)
    fmt = _SAVE_FORMATS[os.path.splitext(path)[1].lower()]
    options = {"quality": quality} if fmt == "JPEG" else {}
    with atomic_write(path, overwrite=overwrite) as tmp:
        Image.fromarray(pixels, "RGB").save(tmp, format=fmt, **options)
    return path
