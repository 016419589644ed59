"""What tfstyle bundles: a few paintings usable as `--style NAME`, a photo, and trained
networks usable as `--model pretrained:NAME`.

See `PROVENANCE.md` in this folder for where each comes from and its licence.
"""

import difflib
import os

from tfstyle.errors import InvalidArgumentError

_HERE = os.path.dirname(os.path.abspath(__file__))
_IMAGE_EXTENSIONS = (".jpg", ".png")
PRETRAINED = "pretrained:"


def _names(folder):
    return sorted(
        os.path.splitext(f)[0]
        for f in os.listdir(os.path.join(_HERE, folder))
        if f.lower().endswith(_IMAGE_EXTENSIONS)
    )


def available_styles():
    """Names of the bundled style images, e.g. `["candy", "composition_vii", ...]`."""
    return _names("styles")


def available_photos():
    """Names of the bundled content photos."""
    return _names("photos")


def available_networks():
    """Names of the bundled trained networks (`pretrained:NAME`), e.g. `["candy", "mosaic"]`."""
    folder = os.path.join(_HERE, "pretrained")
    if not os.path.isdir(folder):
        return []
    return sorted(
        d for d in os.listdir(folder) if os.path.exists(os.path.join(folder, d, "generator.keras"))
    )


def resolve_model(spec):
    """The run folder of a bundled network for `pretrained:NAME`; any other model path
    unchanged (the loaders report a missing file).

    Raises:
        InvalidArgumentError: for a `pretrained:` name that is not bundled.
    """
    spec = os.fspath(spec)
    if not spec.startswith(PRETRAINED):
        return spec
    name, known = spec[len(PRETRAINED) :], available_networks()
    if name in known:
        return os.path.join(_HERE, "pretrained", name)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{PRETRAINED}{close[0]}'?)" if close else ""
    listed = ", ".join(PRETRAINED + n for n in known) or "none"
    raise InvalidArgumentError(f"unknown pretrained network '{name}'{hint}; bundled: {listed}")


def _resolve(name_or_path, folder, kind):
    if os.path.sep in name_or_path or os.path.splitext(name_or_path)[1]:
        return name_or_path  # a path; the image loader reports if it is missing
    known = _names(folder)
    if name_or_path in known:
        for ext in _IMAGE_EXTENSIONS:
            path = os.path.join(_HERE, folder, name_or_path + ext)
            if os.path.exists(path):
                return path
    if os.path.exists(name_or_path):
        return name_or_path
    close = difflib.get_close_matches(name_or_path, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise InvalidArgumentError(
        f"unknown {kind} '{name_or_path}'{hint}; bundled {kind}s: {', '.join(known)}; "
        f"or pass the path of an image file"
    )


def resolve_style(name_or_path):
    """Returns the file path for a bundled style name, or `name_or_path` if it is a path.

    Raises:
        InvalidArgumentError: for a bare name that is neither bundled nor an existing file.
    """
    return _resolve(name_or_path, "styles", "style")


def resolve_photo(name_or_path):
    """Like `resolve_style`, for the bundled content photos."""
    return _resolve(name_or_path, "photos", "photo")
