//! Benchmarks live in `benches/`. This library holds what they share: the
//! synthetic organisation generator ([`synth`]) behind the scaling
//! benchmarks of `benches/graph.rs` and the `iamx-synth` binary.

pub mod scale;
pub mod synth;
