"""Installs tfstyle (the library) and export (the export pipeline).

Version ranges here are what the code supports; `requirements.lock` pins the exact
versions the test suite was run with (`make test` installs with it as constraints).
"""

from setuptools import find_packages, setup

setup(
    name="tfstyle",
    version="0.1.0",
    description="Neural style transfer and image-to-image translation model zoo for Keras 3",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11,<3.13",
    packages=find_packages(include=["tfstyle", "tfstyle.*", "export", "export.*"]),
    package_data={
        "tfstyle.assets": ["styles/*.jpg", "photos/*.jpg", "pretrained/*/*", "PROVENANCE.md"]
    },
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "keras>=3.15,<4",
        "tensorflow-datasets>=4.9",
        # TFDS 4.9 imports it for every download and to read its checksums, without
        # declaring it: without it no dataset can be prepared.
        "importlib_resources>=6",
        "numpy>=1.26",
        "pillow>=10",
        "absl-py>=2.1",
        "tensorboard>=2.21",
        # CartoonGAN's edge smoothing: Canny edges and dilation as the paper's
        # preprocessing (a Canny of our own would be a slower, less tested copy).
        "opencv-python-headless>=4.8",
        # Videos: decoding and encoding through the ffmpeg binary this wheel ships (no
        # system ffmpeg, no other dependency); OpenCV's video I/O has no audio.
        "imageio-ffmpeg>=0.5",
    ],
    extras_require={
        "export": [
            "tf2onnx>=1.17",
            "onnxruntime>=1.20",
            "ai-edge-litert>=2.0",
            "tensorflow-serving-api>=2.21,<2.22",
        ],
        # Offline digits for the MNIST classifier and its universal perturbation:
        # scikit-learn ships 1,797 of them (MNIST itself needs a download).
        "digits": ["scikit-learn>=1.4"],
        # scipy's L-BFGS-B is the reference our TF L-BFGS is tested against; pytest-xdist
        # runs the suite in one process per core (half of its time is single-threaded
        # tracing and conversion, so two processes on two cores take 12 minutes, not 22).
        "test": ["pytest>=8", "pytest-xdist>=3.5", "ruff>=0.6", "scipy>=1.11"],
    },
)
