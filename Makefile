# spikeforge: two commands do everything on a fresh machine.
#   make demo   install what is missing, then run the flow end to end on the bundled example
#   make test   install what is missing, then run the whole test suite (what CI runs)

SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/spikeforge
EXAMPLE := examples/mnist-mlp.sfm.json
DEMO_OUT := target/demo

.PHONY: setup demo test lint unit fuzz bench example

setup:
	@scripts/setup.sh

demo: setup
	$(CARGO) build --release --locked
	$(BIN) inspect $(EXAMPLE)
	$(BIN) eval $(EXAMPLE) --data mnist --lanes 16 --histogram-dir $(DEMO_OUT)/histograms
	$(BIN) code --max-spike 7 --hist $(DEMO_OUT)/histograms/fc1.json --max-planes 4
	$(BIN) gen $(EXAMPLE) --out $(DEMO_OUT)/rtl --lanes 16
	$(BIN) cosim $(EXAMPLE) --rtl $(DEMO_OUT)/rtl --data mnist --vcd $(DEMO_OUT)/vcd

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	$(CARGO) test --workspace --locked

test: setup lint unit

# Slow tiers, not part of `make test`.
fuzz: setup
	$(CARGO) build --release --locked
	$(BIN) cosim-fuzz --networks 2000 --seed 1
	SPIKEFORGE_FUZZ_ITERS=500000 $(CARGO) test --release -p spikeforge-model --test file_format mutation_fuzz -- --nocapture
	PROPTEST_CASES=20000 $(CARGO) test --release -p spikeforge-sim --test golden_reference

bench: setup
	$(CARGO) build --release --locked
	$(BIN) bench golden
	$(BIN) bench load
	$(BIN) bench simulators
	$(BIN) example --out $(DEMO_OUT)/bench-784-256-10.sfm.json --hidden 256 --timesteps 1 --force
	$(BIN) cosim $(DEMO_OUT)/bench-784-256-10.sfm.json --data mnist --split all --lanes 16

# Regenerate the bundled example (byte-identical for the same seed; a test checks it).
example:
	$(CARGO) run --release --locked -- example --out $(EXAMPLE) --seed 1 --force
