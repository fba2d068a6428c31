//! Name handling for Whereabouts (issue 3). Pure: no IO, no clock.
