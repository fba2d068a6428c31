//! The `whereabouts` command, driven as a user drives it: a real binary, real files, a real
//! database (SQLite always; PostgreSQL too when `WHEREABOUTS_TEST_POSTGRES` is set).

mod demo;
mod enquiries;
mod faults;
mod harness;
mod import;
mod import_sheet;
mod kill;
mod linkage;
mod lists_closures;
mod network;
mod private_pg;
mod protection;
mod protection_bundles;
mod protection_kill;
mod protection_letters;
mod pull_every;
mod security;
mod transmit;
mod users;
