//! # spikeforge `train`
//!
//! Will hold the tch (libtorch) trainer behind a cargo feature, so that building the rest of
//! the workspace never needs libtorch. Not implemented yet: tracked by issue #5. Its output
//! is a model file ([`model::file`]) whose integer forward pass the golden model reproduces.
