//! iamx-gcp: being written.
