//! sipfix: an offline assistant for troubleshooting SIP response codes.
pub mod kb;
pub mod sanitize;
