//! `order-tracking login`: asks for what the flags and variables do not give, checks it against
//! the server (a token and one list call), and saves it as a profile readable by its owner only.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use order_tracking_client::{Client, Credentials, DEFAULT_BASE_URL, OrderQuery};

use super::credentials::{Profile, profile_path, save_profile};
use crate::cli::failure::Failure;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Base URL of the API [default: http://127.0.0.1:8080].
    #[arg(long, env = "ORDER_TRACKING_URL")]
    pub url: Option<String>,
    /// OAuth client id [asked if not given].
    #[arg(long, env = "ORDER_TRACKING_CLIENT_ID")]
    pub client_id: Option<String>,
    /// OAuth client secret [asked if not given, without echo on a terminal].
    #[arg(long, env = "ORDER_TRACKING_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// API key [asked if not given, without echo on a terminal].
    #[arg(long, env = "ORDER_TRACKING_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// The profile to write.
    #[arg(long, env = "ORDER_TRACKING_PROFILE", default_value = super::credentials::DEFAULT_PROFILE)]
    pub profile: String,
}

pub async fn run(args: LoginArgs) -> Result<(), Failure> {
    let path = profile_path(&args.profile)?;
    let mut prompt = Prompt::new();
    let url = args.url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let client_id = or_ask(args.client_id, || prompt.line("Client id"))?;
    let client_secret = or_ask(args.client_secret, || prompt.secret("Client secret"))?;
    let api_key = or_ask(args.api_key, || prompt.secret("API key"))?;

    let credentials =
        Credentials { client_id: client_id.clone(), client_secret: client_secret.clone().into(), api_key: api_key.clone().into() };
    let client = Client::builder(&url, credentials).build()?;
    let page = client
        .list(&OrderQuery::new().limit(1).fields(["status"]))
        .await
        .map_err(|error| Failure { message: format!("login failed, nothing saved: {error}"), ..Failure::from(error) })?;
    save_profile(&args.profile, &Profile { url: url.clone(), client_id: client_id.clone(), client_secret, api_key })?;
    let orders = page.total_count.map_or_else(String::new, |total| format!(", {} orders", super::output::thousands(total)));
    println!("logged in to {url} as {client_id}{orders}; profile {:?} saved to {}", args.profile, path.display());
    Ok(())
}

fn or_ask(given: Option<String>, ask: impl FnOnce() -> Result<String, Failure>) -> Result<String, Failure> {
    let value = match given {
        Some(value) => value,
        None => ask()?,
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(Failure::new("an empty answer: give the client id, client secret and API key (flags, variables or answers)"));
    }
    Ok(value)
}

/// Questions on the terminal (secrets without echo), or lines read from a piped stdin.
struct Prompt {
    terminal: bool,
    lines: std::io::Lines<std::io::StdinLock<'static>>,
}

impl Prompt {
    fn new() -> Self {
        Prompt { terminal: std::io::stdin().is_terminal(), lines: std::io::stdin().lock().lines() }
    }

    fn line(&mut self, label: &str) -> Result<String, Failure> {
        if self.terminal {
            eprint!("{label}: ");
            let _ = std::io::stderr().flush();
        }
        match self.lines.next() {
            Some(Ok(line)) => Ok(line),
            Some(Err(error)) => Err(Failure::new(format!("cannot read the {}: {error}", label.to_lowercase()))),
            None => Err(Failure::new(format!("no {} given: pass it as a flag or variable, or on stdin", label.to_lowercase()))),
        }
    }

    fn secret(&mut self, label: &str) -> Result<String, Failure> {
        if self.terminal {
            rpassword::prompt_password(format!("{label}: "))
                .map_err(|error| Failure::new(format!("cannot read the {}: {error}", label.to_lowercase())))
        } else {
            self.line(label)
        }
    }
}
