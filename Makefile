# cosgate — see README.md. `make test` is what CI runs (.ci/run).
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 1s
FUZZTIME    ?= 30s

FUNCTIONS   := sts presign download sign login
DIST        ?= dist
# Static, stripped, reproducible binaries. GOARCH and -tags are given per
# target: each zip carries only the adapter its platform runs
# (shared/platform/adapters.go), three flavours per function:
#   $(DIST)/bin/<fn>        SCF web function: plain HTTP, no event adapter
#   $(DIST)/bin-event/<fn>  SCF event function: scf-go-lib (net/rpc), no aws-lambda-go
#   $(DIST)/aws-bin/<fn>    AWS Lambda: aws-lambda-go (lambda.norpc drops its legacy RPC mode), no scf-go-lib
GOBUILD     := CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -buildvcs=false -ldflags '-s -w -buildid='
TAGS_WEB    := noscfevent,noawslambda
TAGS_EVENT  := noawslambda
TAGS_AWS    := lambda.norpc,noscfevent
# Tencent SCF's Go1 runtime runs x86_64 (CentOS 7.6).
SCF_GOARCH  := amd64
# AWS: template.yaml's Architectures is the one setting (arm64 or x86_64);
# `sam build` (build-<LogicalId>) and `make package` both build for it.
TEMPLATE    ?= template.yaml
AWS_ARCH    := $(shell sed -n 's/^ *Architectures: *\[ *\([a-z0-9_]*\) *\].*/\1/p' $(TEMPLATE) | head -n 1)
AWS_GOARCH  := $(if $(filter arm64,$(AWS_ARCH)),arm64,$(if $(filter x86_64,$(AWS_ARCH)),amd64))
MKZIP       := $(GO) run ./scripts/mkzip

JSCLIENTS   := devstack/jsclients

.PHONY: dev dev-cloud test test-deps admin bench lint fuzz build package package-scf package-aws sizes deploy-scf deploy-sls smoke login-key aws-arch clean FORCE

## dev: the functions on 127.0.0.1:8080 with COS and STS emulators; prints a walkthrough. Ctrl-C stops.
##      Production variables (COS_BUCKET, AUTH_*, UPLOAD_*, …) override the development defaults.
##      Built and exec'd, not `go run`: Ctrl-C then ends with the program's own clean exit.
dev:
	@echo "building cosgate-dev; the first build downloads and compiles modules, a few minutes"
	$(GO) build -o bin/cosgate-dev ./devstack/cmd/cosgate-dev
	exec bin/cosgate-dev

## dev-cloud: the functions on 127.0.0.1:8080 against real COS and STS, configured from the environment.
dev-cloud:
	@echo "building cosgate-dev; the first build downloads and compiles modules, a few minutes"
	$(GO) build -o bin/cosgate-dev ./devstack/cmd/cosgate-dev
	exec bin/cosgate-dev -cloud

## test: every Go test, with the race detector; fuzz targets run their seed corpus. The end-to-end
##       tests drive the npm COS SDKs, installed from $(JSCLIENTS)/package-lock.json. First
##       scripts/test-deps installs what is missing (curl, node, npm, chromium, redis-server).
##       TESTTIMEOUT fits a cold build cache on 2 cores (every package compiled with -race, and the
##       function binaries for amd64 and arm64); go test's default of 10 minutes does not.
TESTTIMEOUT ?= 30m
test: test-deps $(JSCLIENTS)/node_modules/.package-lock.json
	$(GO) test -race -count=1 -timeout $(TESTTIMEOUT) ./...

## test-deps: install the programs the tests drive, when missing (apt-get; sudo when not root).
test-deps:
	@scripts/test-deps

$(JSCLIENTS)/node_modules/.package-lock.json: $(JSCLIENTS)/package-lock.json $(JSCLIENTS)/package.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix $(JSCLIENTS) --ignore-scripts --no-audit --no-fund

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

## build: the function binaries, three flavours: $(DIST)/bin (SCF web functions, amd64),
##        $(DIST)/bin-event (SCF event functions, amd64), $(DIST)/aws-bin (AWS, template.yaml's arch).
build: $(FUNCTIONS:%=$(DIST)/bin/%) $(FUNCTIONS:%=$(DIST)/bin-event/%) $(FUNCTIONS:%=$(DIST)/aws-bin/%)

$(DIST)/bin/%: FORCE
	GOARCH=$(SCF_GOARCH) $(GOBUILD) -tags $(TAGS_WEB) -o $@ ./functions/$*

$(DIST)/bin-event/%: FORCE
	GOARCH=$(SCF_GOARCH) $(GOBUILD) -tags $(TAGS_EVENT) -o $@ ./functions/$*

$(DIST)/aws-bin/%: FORCE aws-arch
	GOARCH=$(AWS_GOARCH) $(GOBUILD) -tags $(TAGS_AWS) -o $@ ./functions/$*

# aws-arch: stop when template.yaml names no architecture the Makefile knows.
aws-arch:
	@test -n "$(AWS_GOARCH)" || { echo "$(TEMPLATE): Architectures must be [arm64] or [x86_64]" >&2; exit 1; }

## package: per-platform zips, binary at the zip root with its exec bit:
##   $(DIST)/scf/<fn>.zip      SCF event function (binary "main", from $(DIST)/bin-event)
##   $(DIST)/scf-web/<fn>.zip  SCF web function (scf_bootstrap + main, from $(DIST)/bin), unpacked beside it for serverless.yml
##   $(DIST)/aws/<fn>.zip      AWS Lambda provided.al2023 (binary "bootstrap", template.yaml's architecture)
package: package-scf package-aws
	@ls -l $(DIST)/bin $(DIST)/bin-event $(DIST)/aws-bin $(DIST)/scf $(DIST)/scf-web $(DIST)/aws | grep -v '^total'

## package-scf: the SCF zips only (what make deploy-scf uploads); package-aws: the AWS ones.
package-scf: $(FUNCTIONS:%=$(DIST)/bin/%) $(FUNCTIONS:%=$(DIST)/bin-event/%)
	@for fn in $(FUNCTIONS); do \
		$(MKZIP) -o $(DIST)/scf/$$fn.zip main=$(DIST)/bin-event/$$fn:755 && \
		$(MKZIP) -o $(DIST)/scf-web/$$fn.zip scf_bootstrap=scripts/scf_bootstrap:755 main=$(DIST)/bin/$$fn:755 && \
		mkdir -p $(DIST)/scf-web/$$fn && cp scripts/scf_bootstrap $(DIST)/bin/$$fn $(DIST)/scf-web/$$fn/ && \
		mv $(DIST)/scf-web/$$fn/$$fn $(DIST)/scf-web/$$fn/main || exit 1; \
	done

package-aws: $(FUNCTIONS:%=$(DIST)/aws-bin/%)
	@for fn in $(FUNCTIONS); do \
		$(MKZIP) -o $(DIST)/aws/$$fn.zip bootstrap=$(DIST)/aws-bin/$$fn:755 || exit 1; \
	done

## sizes: `make package`, then measure each function on each platform (binary and zip bytes, cold
##        start against a bare Go net/http server, interleaved) and rewrite README.md's table.
##        COLDSTARTS starts per binary (the median is reported).
COLDSTARTS ?= 101
sizes: package
	$(GO) run ./scripts/sizes -dist $(DIST) -readme README.md -n $(COLDSTARTS)

## login-key: a fresh ES256 pair for the login function, as shell exports (LOGIN_JWT_PRIVATE_KEY,
##            AUTH_JWT_PUBLIC_KEY). `make -s login-key > login-key.env`, then `. ./login-key.env`.
login-key:
	@$(GO) run ./scripts/loginkey

## admin: the operator's tool against LIMITS_REDIS_URL, e.g. make admin ARGS='usage <uid>'
##        (revoke-user, restore-user, revoke-key, restore-key, usage; see README).
admin:
	$(GO) run ./cmd/cosgate-admin $(ARGS)

## deploy-scf: `make package-scf`, then create or update the five SCF web functions and their function
##             URLs through Tencent Cloud API 3.0 (cmd/cosgate-deploy); prints each URL.
deploy-scf: package-scf
	$(GO) run ./cmd/cosgate-deploy -dist $(DIST)

## deploy-sls: the Serverless Framework path: check the variables serverless.yml needs,
##             `make package`, then `scf deploy`.
deploy-sls:
	scripts/deploy-sls

## smoke: call a deployment as a client would. One domain for all functions: make smoke BASE=https://…;
##        function URLs: make smoke URLS='sts=https://… presign=https://… download=https://… sign=https://… login=https://…';
##        TOKEN=<a token> adds the upload and download; ORIGIN=<site> (ORIGIN= skips the CORS preflights)
##        and EXT=<type> are passed on. Not echoed: the command line holds the token.
smoke:
	@$(GO) run ./cmd/cosgate-smoke $(if $(BASE),-base '$(BASE)') $(if $(URLS),-urls '$(URLS)') \
		$(if $(TOKEN),-token '$(TOKEN)') $(if $(filter-out undefined,$(origin ORIGIN)),-origin '$(ORIGIN)') \
		$(if $(EXT),-ext '$(EXT)')

## build-<LogicalId>: called by `sam build` (template.yaml, BuildMethod: makefile).
build-StsFunction build-PresignFunction build-DownloadFunction build-SignFunction build-LoginFunction: build-%Function: aws-arch
	GOARCH=$(AWS_GOARCH) $(GOBUILD) -tags $(TAGS_AWS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr A-Z a-z)

clean:
	rm -rf $(DIST) $(JSCLIENTS)/node_modules

FORCE:
