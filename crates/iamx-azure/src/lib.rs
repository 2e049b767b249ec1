//! iamx-azure: being written.
