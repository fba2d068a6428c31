//! The web crate's tests: one binary (style rule 8), black-box through the router.

mod agency;
mod alike;
mod api;
mod auth;
mod browser;
mod bureau;
mod changes;
mod compliance;
mod enquiries;
mod family_letter;
mod forwarding_bounded;
mod harness;
mod https;
mod limits;
mod lists_closures;
mod lists_paging;
mod matrix;
mod pages;
mod protection;
mod protection_followed;
mod protection_forms;
mod protection_letters;
mod protection_records;
mod restriction;
mod serve;
mod transmissions;
