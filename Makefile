# Two commands do everything on a fresh machine:
#   make portraits   installs what is missing, then builds the portraits of the default département
#                    (every commune, then its groups of communes) into ./site
#   make test        installs what is missing, then runs the tests
#   make lint        ruff (lint and format) and the import contracts (lint-imports), as CI runs them
DEPT ?= 93
PYTHON ?= python3
APT_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium

.PHONY: portraits test lint install system-deps

PST ?= examples/pst

portraits: install
	$(PYTHON) -m portrait build --dept $(DEPT) --pst $(PST)
	$(PYTHON) -m portrait build --dept $(DEPT) --pst $(PST) --groups

test: install
	$(PYTHON) -m pytest

lint:
	ruff check .
	ruff format --check .
	lint-imports

install: system-deps
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'

# System libraries for weasyprint (pango, harfbuzz-subset), fonts, pdftoppm and chromium for browser tests.
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
