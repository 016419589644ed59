# Quick start:  make demo   (set up .venv, run the main job)
#               make test   (set up .venv, run the test suite)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# ImageNet weights by default (downloaded once by Keras); offline, pass a local file:
#   make demo VGG_WEIGHTS=/path/to/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
VGG_WEIGHTS ?= imagenet
DEMO_DIR ?= outputs/demo

.PHONY: demo test lint setup clean

$(VENV)/.installed: setup.py requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[export,test]"
	touch $@

setup: $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) scripts/stylize_gatys.py --content amber --style mosaic \
		--output $(DEMO_DIR)/amber_mosaic_gatys.png --image_size 384 --steps 150 \
		--vgg_weights $(VGG_WEIGHTS) --overwrite

test: $(VENV)/.installed
	$(PY) -m ruff check tfstyle export scripts tests
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
