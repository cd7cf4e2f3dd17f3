//! Generating, hashing and checking secrets, and reading credentials from HTTP headers.

pub mod header;
pub mod secret;
