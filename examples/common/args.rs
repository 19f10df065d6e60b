//! The command line the benchmark examples share: a capture and how many
//! times to run each measurement.

/// `FILE [--runs N]`.
#[derive(clap::Args, Debug)]
pub struct Capture {
    /// The capture or log to measure (make one with the big_capture example).
    pub file: String,
    /// How many times to run each measurement (the best is reported).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
}
