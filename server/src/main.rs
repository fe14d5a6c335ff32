use clap::Parser as _;

fn main() -> std::process::ExitCode {
    server::cli::Cli::parse().run()
}
