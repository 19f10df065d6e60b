//! sipfix: an offline assistant for troubleshooting SIP response codes.
pub mod buildinfo;
pub mod cli;
pub mod compare;
pub mod doc;
pub mod exit;
pub mod kb;
pub mod message;
pub mod render;
pub mod sanitize;
pub mod search;
pub mod store;
pub mod term;
pub mod trace;
pub mod tui;
