//! The `oauth-doctor` binary: parse arguments, run the library, print the error chain, return the
//! exit status (0 nothing at or above `--fail-on`, 1 findings, 2 the tool could not do its job).

use clap::Parser;
use oauth_doctor::app;
use oauth_doctor::cli::Cli;
use std::process::ExitCode;

/// The system allocator for small runs, mimalloc once a large input is read (`alloc`).
#[global_allocator]
static GLOBAL: oauth_doctor::alloc::Allocator = oauth_doctor::alloc::Allocator;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                app::EXIT_ERROR
            } else {
                app::EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let outcome = app::run(cli);
    // A reader that closed the pipe (`… | head -1`) took all it wanted: a quiet success.
    if app::stdout_closed() {
        return ExitCode::SUCCESS;
    }
    match outcome {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let msg: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", msg.join(": ").replace('\n', " "));
            ExitCode::from(app::EXIT_ERROR as u8)
        }
    }
}
