//! The `tlslint` binary: parse arguments, run a command, map the result to an exit code.

use clap::Parser;
use tlslint::cli::{Cli, Command};
use tlslint::commands::{self, ExitStatus};

fn main() {
    tlslint::isolate::install_hook();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => {
            tlslint::profile::init_from_env();
            let r = commands::scan(args);
            tlslint::profile::print();
            r
        }
        Command::Rules(args) => commands::rules(args),
        Command::Explain(args) => commands::explain(args),
        Command::Completions(args) => commands::completions(args),
        Command::Manpage(args) => commands::manpage(args),
    };
    let status = result.unwrap_or_else(|e| {
        // A closed pipe (`tlslint rules | head`) is the reader's choice, not an error.
        let broken_pipe = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            return ExitStatus::Success;
        }
        eprintln!("tlslint: error: {e:#}");
        ExitStatus::Error
    });
    std::process::exit(status.code());
}
