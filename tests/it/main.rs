//! The integration tests, built as one test binary (one link instead of
//! one per file); shared helpers are in `common`. Run one file's tests
//! with `cargo test --test it NAME::` (for example `cargo test --test it
//! e2e_tmux::`).

mod cli;
mod common;
mod decoded_view;
mod e2e_pty;
mod e2e_tmux;
mod golden;
mod kb;
mod layers;
mod message;
mod notes_cli;
mod overrides;
mod readme;
mod render;
mod store;
mod trace_captures;
mod trace_export;
mod trace_fuzz;
mod trace_logs;
mod trace_read;
mod trace_streams;
mod triage_captures;
mod triage_cli;
mod triage_identity;
mod triage_live;
mod tui_state;
mod tui_triage;
