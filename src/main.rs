fn main() -> std::process::ExitCode {
    sipfix::cli::main()
}
