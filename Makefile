# The registry's two commands: `make demo` and `make test`. Everything they need that a fresh
# Debian/Ubuntu machine with Go lacks is installed here (with apt-get when run as root).
SHELL    := /bin/bash
GO       ?= go
BIN      := bin/registry
DATA_DIR ?= .registry
ADDR     ?=

ECHARTS  := views/static/echarts.min.js

.PHONY: demo test bench build generate assets check deps deps-postgres deps-chromium deps-npm clean

## demo: build, start the registry on its own PostgreSQL with demo data; prints the URL and logins.
## `make demo ADDR=0.0.0.0:8080` listens elsewhere; without ADDR, REGISTRY_ADDR or 127.0.0.1:8080.
demo:
	@echo "==> 1/4 PostgreSQL and the npm packages (installed with apt-get/npm ci when missing)"
	@$(MAKE) --no-print-directory deps-postgres deps-npm
	@echo "==> 2/4 Building $(BIN) (the first build downloads the Go modules: a minute or two)"
	@$(MAKE) --no-print-directory build
	@echo "==> 3/4 Loading the demo data into $(DATA_DIR) (starts the registry's own PostgreSQL)"
	@$(BIN) seed --demo --data-dir $(DATA_DIR)
	@echo "==> 4/4 Starting the registry (Ctrl-C stops it and its PostgreSQL)"
	@$(BIN) serve $(if $(ADDR),--addr $(ADDR)) --data-dir $(DATA_DIR)

## test: every test (real PostgreSQL, headless Chromium), after formatting, vet and templ checks,
## then each fuzz target for a few seconds.
test: deps check
	$(GO) test -count=1 -timeout 30m ./...
	@$(MAKE) --no-print-directory fuzz

## fuzz: each fuzz target for FUZZTIME (default 3s); longer: make fuzz FUZZTIME=10m.
FUZZTIME    ?= 3s
FUZZTARGETS := FuzzNumber FuzzDate FuzzVisitForm FuzzImportReader FuzzStudyFile
fuzz:
	@for f in $(FUZZTARGETS); do \
		echo "fuzz $$f for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s -parallel 2 ./registry >/tmp/fuzz.$$$$.out 2>&1 || { cat /tmp/fuzz.$$$$.out; rm -f /tmp/fuzz.$$$$.out; exit 1; }; \
	done; rm -f /tmp/fuzz.$$$$.out

## bench: the benchmarks behind the README's figures (the first run seeds 1,000,000 patients: up to half an hour).
bench: deps build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 120m ./... | tee bench.out
	@echo; echo "Figures (see README, 'Measured figures'):"; grep -E '^Benchmark' bench.out | awk '{ printf "  %-60s", $$1; for (i = 3; i <= NF; i += 2) printf " %s %s", $$i, $$(i+1); print "" }'

build: generate assets
	$(GO) build -o $(BIN) ./cmd/registry

generate:
	$(GO) tool templ generate -log-level warn

## assets: copy ECharts from the npm package pinned in package-lock.json into the module, where
## it is embedded in the binary (committed, like the generated templ files).
assets: deps-npm
	@cmp -s node_modules/echarts/dist/echarts.min.js $(ECHARTS) || cp node_modules/echarts/dist/echarts.min.js $(ECHARTS)

## check: gofmt, go vet, generated templ files and the embedded ECharts are clean and current.
check: generate assets
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then \
		echo "generated templ files were stale; commit them:"; git status --porcelain -- '*_templ.go'; exit 1; fi
	@if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$$(git status --porcelain -- $(ECHARTS))" ]; then \
		echo "$(ECHARTS) differed from package-lock.json's echarts; commit it"; exit 1; fi

deps: deps-postgres deps-chromium deps-npm

# apt installs a Debian package as root, or says what to install.
define apt
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing $(1) with apt-get"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
	else \
		echo "missing: install it with 'sudo apt-get install $(1)'"; exit 1; \
	fi
endef

deps-postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(call apt,postgresql); }

deps-chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { $(call apt,chromium); }

deps-npm:
	@if [ -f package-lock.json ] && [ ! -f node_modules/.package-lock.json -o package-lock.json -nt node_modules/.package-lock.json ]; then \
		command -v npm >/dev/null || { $(call apt,npm); }; \
		npm ci --no-audit --no-fund --loglevel=error; \
	fi

clean:
	rm -rf bin bench.out
