# gradscope: `make sweep` runs the experiments, `make test` proves the numbers.
SWIFT   ?= swift
CONFIG  ?=
OUTPUT  ?= results
# Code generation for this machine's CPU (AVX2/AVX-512 where present) by default; CPU=haswell (or another
# LLVM CPU name) for a set of machines, PORTABLE=1 for baseline x86-64. Every choice gives the same numbers.
CPU ?= native
CPU_FLAGS := $(if $(PORTABLE),,-Xswiftc -target-cpu -Xswiftc $(CPU))
BUILD_FLAGS := -c release $(CPU_FLAGS)
BIN := .build/release/gradscope
APT_PACKAGES := libopenblas-dev liblapacke-dev zlib1g-dev dataset-fashion-mnist

.PHONY: setup build test sweep reproduce sweep-slurm bench format clean

CONFIGS := $(if $(CONFIG),$(CONFIG),$(wildcard experiments/*.json))
SWEEP_MODE := $(if $(FORCE),--force,--resume)
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

## setup: install the system libraries (OpenBLAS, LAPACKE, zlib) and the Fashion-MNIST data set when missing
setup:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "gradscope needs:$$missing -- run: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

## build: release build of the gradscope binary (this CPU; CPU=haswell for any AVX2 machine, PORTABLE=1 for any x86-64)
build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product gradscope

## test: build everything (release) and run all tests
test: setup
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build

## sweep: run every config in experiments/ (or CONFIG=file), resuming earlier sweeps; FORCE=1 starts afresh
sweep: build
	$(BIN) run $(CONFIGS) --output $(OUTPUT) --jobs $(JOBS) $(SWEEP_MODE)
	$(BIN) report $(OUTPUT)

## reproduce: run the published results of experiments/papers/ into results/papers and check them (exit 1 on a miss)
PAPERS := $(wildcard experiments/papers/*.json)
reproduce: build
	$(BIN) run $(PAPERS) --output $(OUTPUT)/papers --jobs $(JOBS) $(SWEEP_MODE)
	$(BIN) check $(OUTPUT)/papers

## sweep-slurm: write and submit a Slurm job array for CONFIG (SHARDS=N tasks, one shard each) and a merge job
SHARDS ?= 4
SLURM_FLAGS ?=
sweep-slurm: build
	@test -n "$(CONFIG)" || { echo "usage: make sweep-slurm CONFIG=experiments/x.json SHARDS=N [SLURM_FLAGS='--partition P --time T']"; exit 2; }
	$(BIN) slurm $(CONFIG) --shards $(SHARDS) --output $(OUTPUT) $(SLURM_FLAGS) --submit

## bench: gradscope vs NumPy implementations of the bench/ sweeps (and PyTorch on the conv and training lines, from a local
## CPU wheel when the machine has one), and the dgemm peak (writes bench/results.md; LINES="conv" runs one line)
BENCH_VENV := bench/.venv
TORCH_WHEEL_DIRS := /opt /usr/local /usr/share /root /home /srv /var/cache
bench: build
	@test -x $(BENCH_VENV)/bin/python || { python3 -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q -r bench/requirements.txt; }
	@$(BENCH_VENV)/bin/python -c "import torch" 2>/dev/null || { \
	  wheel=$$(find $(TORCH_WHEEL_DIRS) -xdev -name 'torch-*+cpu*.whl' 2>/dev/null | head -1); \
	  if [ -n "$$wheel" ]; then $(BENCH_VENV)/bin/pip install -q "$$wheel" || echo "bench: $$wheel did not install: no PyTorch column"; \
	  else echo "bench: no torch-*+cpu*.whl on this machine: the conv and training lines have no PyTorch column"; fi; }
	$(BENCH_VENV)/bin/python bench/bench.py $(BENCH_VENV)/bin/python

## format: reformat the Swift sources with the checked-in .swift-format (swift-format ships with Swift 6)
format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
