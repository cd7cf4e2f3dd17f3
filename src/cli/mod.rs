//! The command line (contract §9): `serve` and the `admin` commands, which work on the
//! database, and `login` and `orders`, which talk HTTP to a server of the API.

mod admin;
pub(crate) mod client;
mod failure;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseArgs, ServeArgs};
pub use failure::{EXIT_FAILED, EXIT_UNAVAILABLE, Failure};

#[derive(Debug, Parser)]
#[command(
    name = "order-tracking",
    version = VERSION,
    about = "A self-hostable Orange Business Order Tracking API (B2B) v1",
    after_help = "Examples:\n  order-tracking serve --demo\n  order-tracking admin customer create --name \"Acme SAS\"\n  order-tracking orders list --status Current\n  order-tracking completions bash"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once, at start: the size of `serve`'s many settings costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    #[command(
        after_help = "Examples:\n  order-tracking serve --demo\n  order-tracking serve --listen 0.0.0.0:8080 --database postgres://order_tracking@db.example/order_tracking"
    )]
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Manage customers, credentials and orders in the database.
    #[command(
        after_help = "Examples:\n  order-tracking admin customer create --name \"Acme SAS\"\n  order-tracking admin import --customer cus_... orders.ndjson\n  order-tracking admin backup --to backup.db"
    )]
    Admin {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Check credentials against a server of the API and save them as a profile.
    #[command(
        after_help = "Examples:\n  order-tracking login --url http://127.0.0.1:8080 --client-id cli_...\n  order-tracking login --url https://api.orange.com --profile orange"
    )]
    Login(client::LoginArgs),
    /// List, show and watch orders through the API (this server's or Orange's).
    #[command(after_help = "Examples:\n  order-tracking orders list --status Current\n  order-tracking orders show 39510021")]
    Orders(client::Orders),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  order-tracking completions bash > ~/.local/share/bash-completion/completions/order-tracking\n  order-tracking completions zsh > ~/.zfunc/_order-tracking\n  order-tracking completions fish > ~/.config/fish/completions/order-tracking.fish"
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// The version, and the git commit it was built from when built from a checkout (build.rs).
pub const VERSION: &str = env!("ORDER_TRACKING_VERSION");

pub async fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Serve { serve, database } => serve::run(&serve, &database).await.map_err(|failure| (failure, false)),
        Command::Admin { database, command } => {
            let json = command.json();
            admin::run(command, &database).await.map_err(|failure| (failure, json))
        }
        Command::Login(args) => client::run_login(args).await.map_err(|failure| (failure, false)),
        Command::Orders(orders) => client::run_orders(orders).await.map_err(|failure| (failure, false)),
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics when a write fails (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "order-tracking", &mut script);
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err((Failure::new(format!("cannot write the script: {error}")), false))
                }
                _ => Ok(()),
            }
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err((failure, json)) => {
            if json {
                println!("{}", serde_json::json!({ "error": failure.message, "problems": failure.problems }));
            } else {
                for problem in &failure.problems {
                    eprintln!("{}", problem.as_str().map_or_else(|| problem.to_string(), str::to_owned));
                }
            }
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.exit)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Cli;

    /// A command line split as a shell would split these examples: words, double quotes, and
    /// nothing from a redirection on.
    fn words(line: &str) -> Vec<String> {
        let line = line.split(['>', '<']).next().unwrap_or(line);
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for character in line.chars() {
            match character {
                '"' => quoted = !quoted,
                ' ' if !quoted => words.extend((!word.is_empty()).then(|| std::mem::take(&mut word))),
                other => word.push(other),
            }
        }
        words.extend((!word.is_empty()).then_some(word));
        words
    }

    fn every_command(command: &clap::Command, path: String, found: &mut Vec<(String, clap::Command)>) {
        for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
            every_command(sub, format!("{path} {}", sub.get_name()), found);
        }
        found.push((path, command.clone()));
    }

    #[test]
    fn every_help_ends_with_examples_that_parse_and_run_that_command() {
        let mut found = Vec::new();
        every_command(&Cli::command(), "order-tracking".to_owned(), &mut found);
        assert!(found.len() > 20, "the tree of commands: {:?}", found.iter().map(|(path, _)| path).collect::<Vec<_>>());
        for (path, command) in found {
            let help = command.get_after_help().map(ToString::to_string).unwrap_or_default();
            assert!(help.starts_with("Example:") || help.starts_with("Examples:"), "`{path} --help` gives no example");
            let examples: Vec<&str> = help.lines().skip(1).map(str::trim).collect();
            assert!(!examples.is_empty(), "`{path} --help` gives no example");
            for example in examples {
                assert!(example.starts_with(&path), "`{path} --help` gives an example of another command: {example}");
                if let Err(error) = Cli::try_parse_from(words(example)) {
                    panic!("`{path} --help` gives an example that does not parse: {example}\n{error}");
                }
            }
        }
    }

    #[test]
    fn words_are_split_as_a_shell_splits_them() {
        assert_eq!(words(r#"a --name "Acme SAS" b < in > out"#), ["a", "--name", "Acme SAS", "b"]);
    }
}
