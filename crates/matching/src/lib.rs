//! The matching engine for Whereabouts (issue 3). Pure: no IO, no clock.
