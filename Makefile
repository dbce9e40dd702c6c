# Lomake: the single entry point. `make run` and `make test` are all a newcomer needs.

GO        ?= go
PORT      ?= 8080
DATA_DIR  ?= ./data
CHROMIUM  ?= /usr/bin/chromium
AXE_DIR   := .cache/axe
AXE_JS    := $(CURDIR)/$(AXE_DIR)/node_modules/axe-core/axe.min.js
AXE_VER   := 4.14.1

# Everything the WebAssembly client is built from.
# Not the services' schema files: the client reads them from the API (schemas are
# content), so editing one never rebuilds it.
CLIENT_SRC := $(shell find app schemas locales apiv1 third_party -name '*.go') $(wildcard locales/*.json) go.mod go.sum

# The client is built without inlining except in the packages that validate (runtime,
# reflect, regexp, encoding/json, gojsonschema, our schemas): go-app's builders, net/http
# and crypto inlined cost 0.4 MB of brotli for no speed anyone feels, while validation
# keeps its speed (measured with `make bench`; see README).
WASM_GCFLAGS := -gcflags=all=-l -gcflags=runtime/...= -gcflags=internal/...= -gcflags=reflect= \
	-gcflags=regexp/...= -gcflags=encoding/json= -gcflags=strconv= -gcflags=strings= \
	-gcflags=unicode/...= -gcflags=math= -gcflags=github.com/xeipuuv/...= \
	-gcflags=github.com/lomake/lomake/schemas=

.PHONY: all run build wasm test test-deps lint-schemas postgresql vet bench fuzz clean

all: build

# Each step says what it does and then how long it took: a first build takes minutes,
# and silence looks like a hang.
took = echo "  done in $$(($$(date +%s) - t)) s"

## run: build everything and serve the portal at http://localhost:$(PORT), with the test identification service
run: bin/lomake-dev
	@echo "Serving http://localhost:$(PORT) with data in $(DATA_DIR) (Ctrl-C stops it)…"
	@PORT=$(PORT) DATA_DIR=$(DATA_DIR) LOMAKE_TEST_IDENTIFICATION=1 LOMAKE_SCHEMAS=schemas ./bin/lomake-dev

## build: one server binary with the web files and schemas embedded
build: bin/lomake

SERVER_SRC := $(shell find server web -name '*.go' -o -name '*.css' -o -name '*.js' -o -name '*.png' -o -name '*.svg') $(CLIENT_SRC) $(wildcard schemas/*.json)

# The same server twice: bin/lomake embeds the smallest client, the one to ship;
# bin/lomake-dev, for make run, whichever copy is current, so that run never waits
# minutes for brotli.
bin/lomake: web/dist/.best $(SERVER_SRC)
	@echo "Building the server with the client inside, $@ (first time: about 1 minute on 2 cores)…"
	@t=$$(date +%s); $(GO) build -trimpath -o $@ ./server/cmd/lomake && $(took)

bin/lomake-dev: web/dist/.fast $(SERVER_SRC)
	@echo "Building the server with the client inside, $@ (first time: about 1 minute on 2 cores)…"
	@t=$$(date +%s); $(GO) build -trimpath -o $@ ./server/cmd/lomake && $(took)

## wasm: the client, built and compressed (brotli and gzip) as small as it gets
wasm: web/dist/.best

web/app.wasm: $(CLIENT_SRC)
	@echo "Building the WebAssembly client, $@ (first time: about 1 minute on 2 cores)…"
	@t=$$(date +%s); GOOS=js GOARCH=wasm $(GO) build -trimpath $(WASM_GCFLAGS) -ldflags="-s -w" -o $@ ./app/wasm && $(took)

# The compressor, built like the server (-trimpath) so that the two share the host's
# standard library: compiled once, on a first run.
bin/precompress: web/precompress/main.go go.mod go.sum
	@echo "Building the compressor, $@ (first time: about half a minute on 2 cores)…"
	@t=$$(date +%s); $(GO) build -trimpath -o $@ ./web/precompress && $(took)

# Compressing writes web/dist; a stamp beside the copies (a dot file, which go:embed
# skips) says which they are.
PRECOMPRESS := ./bin/precompress -in web/app.wasm -out web/dist

# The smallest copy (brotli 11), what make build ships and make bench measures: minutes.
web/dist/.best: web/app.wasm bin/precompress
	@echo "Compressing the client as small as it gets (2 to 4 minutes on 2 cores)…"
	@rm -f $@ web/dist/.fast
	@t=$$(date +%s); $(PRECOMPRESS) && $(took)
	@touch $@

# A quick copy (brotli 6, seconds, a fifth larger) for make run and make test; a current
# smallest copy serves as well.
web/dist/.fast: web/app.wasm bin/precompress
	@if [ web/dist/.best -nt web/app.wasm ] && [ web/dist/.best -nt bin/precompress ]; then \
		echo "The client is already compressed as small as it gets"; \
	else \
		echo "Compressing the client quickly, for development (make build makes it smallest)…"; \
		t=$$(date +%s); rm -f web/dist/.best && $(PRECOMPRESS) -fast && $(took); \
	fi
	@touch $@

## test: install what the tests need, then run every test (browser tests included)
# The tests measure nothing about the client's bytes, so they take the quick copy.
test: test-deps web/dist/.fast vet lint-schemas
	AXE_JS=$(AXE_JS) CHROMIUM=$(CHROMIUM) $(GO) test -count=1 -timeout 12m ./...
	@echo "The schemas and messages again as WebAssembly, the browser's path:"
	GOOS=js GOARCH=wasm $(GO) test $(WASM_GCFLAGS) -count=1 -exec="$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./schemas/ ./locales/
	$(GO) test -count=1 -race -timeout 5m ./server/store/ ./server/kv/...

test-deps: $(CHROMIUM) $(AXE_JS) postgresql

## lint-schemas: check every service file in schemas/ and its test documents; each
## problem names the file, the place in it and what to do
lint-schemas:
	$(GO) run ./schemas/cmd/lint-schemas schemas

# The storage tests start their own PostgreSQL from Debian's package (as the postgres
# user, in a temporary directory, on a free port).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "Installing Debian's postgresql for the storage tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(AXE_JS):
	npm install --silent --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VER)

vet:
	@test -z "$$(gofmt -l app schemas server web locales)" || { gofmt -l app schemas server web locales; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/...

## bench: validation per document (native and wasm), submissions per second with p99,
## the cost of hostile bodies, sends and draft saves on LevelDB, PostgreSQL and three
## instances on PostgreSQL, keystroke to IndexedDB and reconnect to an empty outbox
## (10 sends) in Chromium, the phone budgets (BenchmarkPhone) and a condition toggled on
## the daycare form (BenchmarkCondition)
bench: wasm
	$(GO) test -run '^$$' -bench CreateCase -benchtime 2s ./server/store/
	$(GO) test -run '^$$' -bench . -benchtime 2s ./schemas/
	GOOS=js GOARCH=wasm $(GO) test $(WASM_GCFLAGS) -run '^$$' -bench . -benchtime 2s -exec="$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./schemas/
	$(GO) test -run '^$$' -bench Submissions -benchtime 5000x ./server/
	$(GO) test -run '^$$' -bench HostileBodies -benchtime 10x ./server/
	$(GO) test -run '^$$' -bench Engines -benchtime 2000x ./server/
	$(GO) test -run '^$$' -bench FolderAndQueue -benchtime 1x -timeout 60m ./server/store/
	$(GO) test -run '^$$' -bench Browser -benchtime 20x ./server/
	$(GO) test -run '^$$' -bench Phone -benchtime 5x ./server/
	$(GO) test -run '^$$' -bench Condition -benchtime 1x ./server/

## fuzz: the fuzz target over JSON decoding and validation of every service (make test
## runs only its seed corpus)
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzValidate -fuzztime $${FUZZTIME:-3m} -fuzzminimizetime 10s ./schemas/

clean:
	rm -rf bin web/app.wasm web/dist/app.wasm.* web/dist/.best web/dist/.fast .cache
