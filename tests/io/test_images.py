import os

import numpy as np
import pytest
from PIL import Image

from tfstyle.errors import ImageError, InvalidArgumentError, OutputExistsError
from tfstyle.io import check_output_path, list_images, load_image, save_image


def _pixels(rng, w=24, h=16):
    return (rng.uniform(0, 1, (h, w, 3)) * 255).astype(np.uint8)


def test_rgb_png_round_trip(tmp_path, rng):
    pixels = _pixels(rng)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    image = load_image(tmp_path / "a.png")
    assert image.dtype == np.float32 and image.shape == (16, 24, 3)
    np.testing.assert_allclose(image, pixels / 255.0, atol=1e-6)
    save_image(tmp_path / "b.png", image)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "b.png")), pixels)


@pytest.mark.parametrize("mode", ["L", "LA", "P", "RGBA", "1"])
def test_modes_become_rgb(tmp_path, rng, mode):
    Image.fromarray(_pixels(rng)).convert(mode).save(tmp_path / "x.png")
    image = load_image(tmp_path / "x.png")
    assert image.shape == (16, 24, 3) and 0.0 <= image.min() and image.max() <= 1.0


def test_grayscale_has_equal_channels(tmp_path, rng):
    Image.fromarray(_pixels(rng)).convert("L").save(tmp_path / "g.jpg")
    image = load_image(tmp_path / "g.jpg")
    np.testing.assert_array_equal(image[..., 0], image[..., 2])


def test_transparent_pixels_become_white(tmp_path):
    Image.new("RGBA", (4, 4), (255, 0, 0, 0)).save(tmp_path / "t.png")
    np.testing.assert_allclose(load_image(tmp_path / "t.png"), 1.0)


def test_cmyk_jpeg(tmp_path):
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "c.jpg")  # red
    image = load_image(tmp_path / "c.jpg")
    assert image.shape == (8, 8, 3)
    assert image[..., 0].mean() > 0.9 and image[..., 1].mean() < 0.1


def test_sixteen_bit_png_is_scaled(tmp_path):
    values = np.full((6, 6), 65535 // 2, np.uint16)
    Image.fromarray(values).save(tmp_path / "d.png")
    assert Image.open(tmp_path / "d.png").mode.startswith("I")
    np.testing.assert_allclose(load_image(tmp_path / "d.png"), 0.5, atol=1e-3)


def test_exif_orientation_is_applied(tmp_path, rng):
    img = Image.fromarray(_pixels(rng, w=20, h=10))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    img.save(tmp_path / "r.jpg", exif=exif)
    assert load_image(tmp_path / "r.jpg").shape == (20, 10, 3)


def test_max_side_downscales(tmp_path, rng):
    Image.fromarray(_pixels(rng, w=64, h=32)).save(tmp_path / "big.jpg")
    assert load_image(tmp_path / "big.jpg", max_side=32).shape == (16, 32, 3)
    assert load_image(tmp_path / "big.jpg", max_side=100).shape == (32, 64, 3)


def test_pixel_cap_rejects_bombs_before_decoding(tmp_path, rng):
    Image.fromarray(_pixels(rng, w=64, h=64)).save(tmp_path / "bomb.png")
    with pytest.raises(ImageError, match="megapixels"):
        load_image(tmp_path / "bomb.png", max_pixels=1000)


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="does not exist"):
        load_image(tmp_path / "nope.jpg")


def test_folder_is_not_an_image(tmp_path):
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


def test_not_an_image(tmp_path):
    (tmp_path / "notes.jpg").write_text("hello")
    with pytest.raises(ImageError, match="not an image"):
        load_image(tmp_path / "notes.jpg")


def test_truncated_file(tmp_path, rng):
    Image.fromarray(_pixels(rng, w=64, h=64)).save(tmp_path / "full.jpg")
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="truncated"):
        load_image(tmp_path / "cut.jpg")


def test_corrupt_png(tmp_path, rng):
    Image.fromarray(_pixels(rng)).save(tmp_path / "ok.png")
    data = bytearray((tmp_path / "ok.png").read_bytes())
    data[60:120] = b"\x00" * 60
    (tmp_path / "bad.png").write_bytes(bytes(data))
    with pytest.raises(ImageError):
        load_image(tmp_path / "bad.png")


def test_save_never_overwrites_unless_asked(tmp_path):
    path = tmp_path / "out.png"
    save_image(path, np.zeros((4, 4, 3)))
    with pytest.raises(OutputExistsError, match="--overwrite"):
        save_image(path, np.ones((4, 4, 3)))
    assert np.asarray(Image.open(path)).max() == 0
    save_image(path, np.ones((4, 4, 3)), overwrite=True)
    assert np.asarray(Image.open(path)).min() == 255


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    def broken_save(self, fp, format=None, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_image(tmp_path / "out.png", np.zeros((4, 4, 3)))
    assert os.listdir(tmp_path) == []


def test_an_unwritable_folder_is_named_by_the_destination(tmp_path, monkeypatch):
    import errno
    import tempfile

    def refuse(prefix, suffix, dir):
        raise PermissionError(errno.EACCES, "Permission denied", f"{dir}/{prefix}x{suffix}")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as error:
        save_image(tmp_path / "out.png", np.zeros((4, 4, 3)))
    assert error.value.filename == str(tmp_path / "out.png")  # not our temporary file
    assert error.value.errno == errno.EACCES  # (a full disk is still recognised by errno)


def test_save_jpeg_and_batch_dim(tmp_path):
    save_image(tmp_path / "o.jpg", np.full((1, 8, 8, 3), 0.5))
    assert Image.open(tmp_path / "o.jpg").format == "JPEG"


def test_bad_output_paths(tmp_path):
    with pytest.raises(InvalidArgumentError, match=".png"):
        check_output_path(tmp_path / "out.gif")
    with pytest.raises(InvalidArgumentError, match="folder"):
        check_output_path(tmp_path)
    with pytest.raises(InvalidArgumentError, match=r"\(H, W, 3\)"):
        save_image(tmp_path / "x.png", np.zeros((4, 4)))


def test_list_images_recursive(tmp_path, rng):
    (tmp_path / "sub").mkdir()
    Image.fromarray(_pixels(rng)).save(tmp_path / "a.jpg")
    Image.fromarray(_pixels(rng)).save(tmp_path / "sub" / "b.PNG")
    (tmp_path / "c.txt").write_text("x")
    assert [os.path.basename(p) for p in list_images(tmp_path)] == ["a.jpg", "b.PNG"]
    assert len(list_images(tmp_path, recursive=False)) == 1
