//! # spikeforge `bitstreams`
//!
//! Will drive yosys, nextpnr and the packers for the supported boards, parse their reports,
//! flash with openFPGALoader and talk to the on-board UART top. Not implemented yet:
//! tracked by issue #6. It is the only crate that will know tool paths.
