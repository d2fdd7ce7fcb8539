# Two commands matter: `make demo` and `make test`. Both install what they need first.
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.stamp-install

.PHONY: demo test bench soak setup setup-node setup-browser setup-fat clean typecheck mpy micropython-tier

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# MicroPython (WebAssembly build) under Node, for the device test tier.
setup-node: node_modules/.stamp
node_modules/.stamp: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch node_modules/.stamp

# Debian's Chromium, for checking the HTML report in a real headless browser.
setup-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (needed by the report tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; }

# Debian's dosfstools and mtools, for the deploy tests on a real FAT image.
setup-fat:
	@command -v mcopy >/dev/null 2>&1 && { command -v mkfs.vfat || test -x /usr/sbin/mkfs.vfat || test -x /sbin/mkfs.vfat; } >/dev/null 2>&1 || { \
	  echo "installing Debian's dosfstools and mtools (needed by the deploy tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dosfstools mtools >/dev/null) ; }

demo: setup
	$(VENV)/bin/posture demo

# pytest by its script, not `python -m pytest`: -m puts the repo root first on sys.path,
# and the board's code.py there shadows the standard library's `code` module (pdb imports it).
test: setup setup-node setup-browser setup-fat
	$(VENV)/bin/pytest tests
	$(MAKE) --no-print-directory typecheck mpy

typecheck: setup
	$(VPY) -m mypy --config-file mypy-host.ini
	$(VPY) -m mypy --config-file mypy-firmware.ini
	$(VPY) -m ruff check .

mpy: setup
	$(VPY) tools/mpy_check.py

bench: setup setup-node
	$(VPY) bench/run_all.py

# The chaos tier's long run: many whole simulated days under random fault schedules; prints its figures.
soak: setup
	$(VPY) bench/soak.py

clean:
	rm -rf $(VENV) node_modules out .pytest_cache .mypy_cache
