# Quick start:  make demo   (set up .venv, train + export + stylise: the main job)
#               make test   (set up .venv, run the test suite)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# ImageNet VGG weights by default (Keras downloads them once); offline, pass a local file:
#   make demo VGG_WEIGHTS=/path/to/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
VGG_WEIGHTS ?= imagenet
DEMO_DIR ?= outputs/demo
DEMO_STEPS ?= 200
# 128 px crops keep the demo to minutes on any CPU (float32 on AVX2-only CPUs, where
# bfloat16 is emulated; --mixed_precision auto picks it).
DEMO_SIZE ?= 128

.PHONY: demo demo-gatys test test-slow lint setup clean

$(VENV)/.installed: setup.py requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[export,test]"
	touch $@

setup: $(VENV)/.installed

# A short Johnson run on the bundled photo, exported to every format, then used.
demo: $(VENV)/.installed
	$(PY) scripts/train_johnson.py --style mosaic --content_dir tfstyle/assets/photos \
		--output_dir $(DEMO_DIR)/johnson_mosaic --steps $(DEMO_STEPS) --image_size $(DEMO_SIZE) \
		--mixed_precision auto \
		--checkpoint_every 50 --sample_every 50 --vgg_weights $(VGG_WEIGHTS)
	$(PY) -m export --model $(DEMO_DIR)/johnson_mosaic --output_dir $(DEMO_DIR)/exported --overwrite
	$(PY) scripts/stylize.py --model $(DEMO_DIR)/exported/tflite/model_float16.tflite \
		--input tfstyle/assets/photos/amber.jpg --output $(DEMO_DIR)/amber_mosaic.jpg --overwrite

# The optimisation-based method on the same photo (slower, no training).
demo-gatys: $(VENV)/.installed
	$(PY) scripts/stylize_gatys.py --content amber --style mosaic \
		--output $(DEMO_DIR)/amber_mosaic_gatys.png --image_size 384 --steps 150 \
		--vgg_weights $(VGG_WEIGHTS) --overwrite

# One pytest process per core (pytest-xdist); a test module stays in one process, so its
# module fixtures (the exports) are built once. TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed
	$(PY) -m ruff check tfstyle export scripts tests
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope

# The long and large checks kept out of `make test` (marked @pytest.mark.slow).
test-slow: $(VENV)/.installed
	$(PY) -m pytest -m slow

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
