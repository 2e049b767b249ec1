//! Benchmarks live in `benches/`. This library holds what they share: the
//! synthetic organisation generator ([`synth`]) behind the scaling
//! benchmarks of `benches/graph.rs` and the `iamx-synth` binary, and the
//! real-shaped AWS account generator ([`aws_scale`]) behind `iamx-aws-scale`.

pub mod aws_scale;
pub mod scale;
pub mod synth;
