//! # spikeforge `hdl-gen`
//!
//! Will emit synthesizable Verilog for a validated [`model::Network`]: a hand-written,
//! parameterized RTL library (`hdl-gen/rtl/`) instantiated by per-layer wrappers and a top
//! built from typed Rust builders. Not implemented yet: tracked by issue #4 (RTL generator
//! and Verilator co-simulation). The timing the RTL must meet is already fixed by the cycle
//! model in `sim::cycle` and ARCHITECTURE.md "Timing contract".
