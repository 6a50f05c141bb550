# cosgate — see README.md. `make test` is what CI runs (.ci/run).
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 1s
FUZZTIME    ?= 30s

FUNCTIONS   := sts presign download
DIST        ?= dist
GOOS        ?= linux
GOARCH      ?= amd64
# One binary per function, the same on every platform: static, stripped,
# reproducible. lambda.norpc drops aws-lambda-go's legacy RPC mode.
GOBUILD     := CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -buildvcs=false -tags lambda.norpc -ldflags '-s -w -buildid='
MKZIP       := $(GO) run ./scripts/mkzip

JSCLIENTS   := devstack/jsclients

.PHONY: dev dev-cloud test bench lint fuzz build package clean FORCE

## dev: the functions on 127.0.0.1:8080 with COS and STS emulators; prints a walkthrough. Ctrl-C stops.
##      Production variables (COS_BUCKET, AUTH_*, UPLOAD_*, …) override the development defaults.
##      Built and exec'd, not `go run`: Ctrl-C then ends with the program's own clean exit.
dev:
	$(GO) build -o bin/cosgate-dev ./devstack/cmd/cosgate-dev
	exec bin/cosgate-dev

## dev-cloud: the functions on 127.0.0.1:8080 against real COS and STS, configured from the environment.
dev-cloud:
	$(GO) build -o bin/cosgate-dev ./devstack/cmd/cosgate-dev
	exec bin/cosgate-dev -cloud

## test: every Go test, with the race detector; fuzz targets run their seed corpus. The end-to-end
##       tests drive the npm COS SDKs, installed from $(JSCLIENTS)/package-lock.json.
test: $(JSCLIENTS)/node_modules/.package-lock.json
	$(GO) test -race -count=1 ./...

$(JSCLIENTS)/node_modules/.package-lock.json: $(JSCLIENTS)/package-lock.json $(JSCLIENTS)/package.json
	npm ci --prefix $(JSCLIENTS) --ignore-scripts --no-audit --no-fund

## bench: all benchmarks with allocation counts (speed targets live here, not in tests),
##        including the load tests of the local stack (devstack/e2e).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

## lint: gofmt, go vet and staticcheck (fetched through the Go module proxy).
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fuzz: run each fuzz target for FUZZTIME.
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## build: the three function binaries, in $(DIST)/bin.
build: $(FUNCTIONS:%=$(DIST)/bin/%)

$(DIST)/bin/%: FORCE
	$(GOBUILD) -o $@ ./functions/$*

## package: per-platform zips, binary at the zip root with its exec bit:
##   $(DIST)/scf/<fn>.zip      SCF event function (binary "main")
##   $(DIST)/scf-web/<fn>.zip  SCF web function (scf_bootstrap + main), unpacked beside it for serverless.yml
##   $(DIST)/aws/<fn>.zip      AWS Lambda provided.al2023 (binary "bootstrap")
package: build
	@for fn in $(FUNCTIONS); do \
		$(MKZIP) -o $(DIST)/scf/$$fn.zip main=$(DIST)/bin/$$fn:755 && \
		$(MKZIP) -o $(DIST)/scf-web/$$fn.zip scf_bootstrap=scripts/scf_bootstrap:755 main=$(DIST)/bin/$$fn:755 && \
		$(MKZIP) -o $(DIST)/aws/$$fn.zip bootstrap=$(DIST)/bin/$$fn:755 && \
		mkdir -p $(DIST)/scf-web/$$fn && cp scripts/scf_bootstrap $(DIST)/bin/$$fn $(DIST)/scf-web/$$fn/ && \
		mv $(DIST)/scf-web/$$fn/$$fn $(DIST)/scf-web/$$fn/main || exit 1; \
	done
	@ls -l $(DIST)/bin $(DIST)/scf $(DIST)/scf-web $(DIST)/aws | grep -v '^total'

## build-<LogicalId>: called by `sam build` (template.yaml, BuildMethod: makefile).
build-StsFunction build-PresignFunction build-DownloadFunction: build-%Function:
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr A-Z a-z)

clean:
	rm -rf $(DIST) $(JSCLIENTS)/node_modules

FORCE:
