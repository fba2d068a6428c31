//! The web crate's tests: one binary (style rule 8), black-box through the router.

mod auth;
mod harness;
mod pages;
mod serve;
