//! The backend-conformance suite: the same stories on SQLite and, when
//! `WHEREABOUTS_TEST_POSTGRES` holds a URL, on PostgreSQL.

mod accounts_agency;
mod audit;
mod exchange;
mod field_letters;
mod followed;
mod forwarding;
mod forwarding_queue;
mod harness;
mod links;
mod messages;
mod notices;
mod plans;
mod protection;
mod representations;
mod rotation;
mod scratch;
mod security;
mod stories;
mod transmissions;
mod withdrawals;
