"""TFDS data sets that are not prepared: one clear error, fast, when they cannot be
downloaded (no outside traffic: downloads go to a proxy on 127.0.0.1 that refuses)."""

import pytest

from tfstyle.data import tfds_source
from tfstyle.errors import DatasetUnavailableError, InvalidArgumentError

OFFLINE = {name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY")}
OFFLINE.update({name.lower(): value for name, value in OFFLINE.items()})


@pytest.fixture
def offline(monkeypatch, tmp_path):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    return tmp_path / "tfds"


@pytest.mark.parametrize("name", ["coco/2017", "cycle_gan/horse2zebra", "mnist", "div2k"])
def test_unprepared_dataset_that_cannot_download_is_one_error(offline, name):
    notes = []
    with pytest.raises(DatasetUnavailableError, match="cannot be downloaded here") as error:
        tfds_source(name, data_dir=str(offline), notify=notes.append)
    message = str(error.value)
    assert name in message and "--content_dir" in message and f"tfds build {name}" in message
    assert len(message.splitlines()) == 1 and not notes
    assert not offline.exists() or not any(offline.rglob("*.tmp*"))


def test_unknown_dataset_name(offline):
    with pytest.raises(InvalidArgumentError, match="unknown TFDS dataset 'coco/2099'"):
        tfds_source("coco/2099", data_dir=str(offline))


def test_a_download_is_announced_with_its_size_and_place(offline, monkeypatch):
    import tensorflow_datasets as tfds

    from tfstyle.data import content

    def fail(self, *args, **kwargs):
        raise ConnectionError("lost the connection\nsecond line")

    monkeypatch.setattr(content, "_reachable", lambda url, timeout=10.0: True)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", fail)
    notes = []
    with pytest.raises(
        DatasetUnavailableError, match="could not prepare mnist .*lost the connection"
    ):
        tfds_source("mnist", data_dir=str(offline), notify=notes.append)
    assert notes == [f"mnist is not prepared: downloading 11.1 MiB into {offline} (once)"]
