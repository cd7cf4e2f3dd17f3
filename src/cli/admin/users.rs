//! `order-tracking admin user ...`: the portal's users (issue #34). A user is made with a
//! one-time link, valid 24 hours, through which it sets its password; the link is printed once.

use clap::Subcommand;
use serde_json::json;

use super::output::{Output, print, rfc3339};
use crate::cli::failure::Failure;
use crate::domain::portal_user::PortalUser;
use crate::i18n::Language;
use crate::portal::users::{self, IssuedLink};
use crate::store::PortalStore;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a portal user of a customer; prints the one-time link that sets its password.
    #[command(
        after_help = "Example:\n  order-tracking admin user create --customer cus_... --email site.manager@example.com --language fr"
    )]
    Create {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        email: String,
        /// The name shown on its pages [default: its email].
        #[arg(long)]
        name: Option<String>,
        /// The language of its pages, whatever its browser asks for: fr or en.
        #[arg(long, value_parser = parse_language)]
        language: Option<Language>,
        #[command(flatten)]
        link: LinkBase,
        #[command(flatten)]
        output: Output,
    },
    /// List the portal users, of one customer or of all.
    #[command(after_help = "Example:\n  order-tracking admin user list --customer cus_... --json")]
    List {
        #[arg(long)]
        customer: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Disable a portal user: its sessions end now, and it cannot sign in again.
    #[command(after_help = "Example:\n  order-tracking admin user disable site.manager@example.com")]
    Disable {
        email: String,
        #[command(flatten)]
        output: Output,
    },
    /// Give a portal user a new one-time link (a forgotten password); the earlier link stops working.
    #[command(after_help = "Example:\n  order-tracking admin user reset site.manager@example.com")]
    Reset {
        email: String,
        #[command(flatten)]
        link: LinkBase,
        #[command(flatten)]
        output: Output,
    },
}

impl UserCommand {
    pub fn output(&self) -> &Output {
        match self {
            UserCommand::Create { output, .. } | UserCommand::List { output, .. } | UserCommand::Disable { output, .. } => output,
            UserCommand::Reset { output, .. } => output,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct LinkBase {
    /// The address users reach the server at, which the link starts with.
    #[arg(long = "public-url", env = "ORDER_TRACKING_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
}

fn parse_language(text: &str) -> Result<Language, String> {
    Language::from_code(text).ok_or_else(|| format!("{text:?} is not a language of the portal: use fr or en"))
}

fn user_json(user: &PortalUser) -> serde_json::Value {
    serde_json::to_value(user).unwrap_or_default()
}

fn print_link(output: Output, issued: &IssuedLink, what: &str) {
    print(
        output,
        json!({"user": user_json(&issued.user), "link": issued.link, "linkExpiresAt": rfc3339(issued.expires_at)}),
        format!(
            "{what} {} ({})\nlink:       {}\nexpires_at: {}\n(the link is shown only now: give it to the user, who sets a password with it)",
            issued.user.email,
            issued.user.customer_id,
            issued.link,
            rfc3339(issued.expires_at)
        ),
    );
}

pub async fn users(store: &dyn PortalStore, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::Create { customer, email, name, language, link, output } => {
            let issued = users::create(store, &customer, &email, name.as_deref(), language, &link.public_url).await?;
            print_link(output, &issued, "created portal user");
        }
        UserCommand::List { customer, output } => {
            let users = store.list_portal_users(customer.as_deref()).await?;
            let text: Vec<String> = users
                .iter()
                .map(|user| {
                    let state = match (user.disabled_at, user.has_password) {
                        (Some(at), _) => format!("disabled {}", rfc3339(at)),
                        (None, true) => "active".to_owned(),
                        (None, false) => "no password yet".to_owned(),
                    };
                    format!("{}\t{}\t{}\t{state}", user.email, user.customer_id, user.language.as_deref().unwrap_or("-"))
                })
                .collect();
            print(output, json!({ "users": users }), text.join("\n"));
        }
        UserCommand::Disable { email, output } => {
            let email = users::normalize_email(&email).map_err(Failure::new)?;
            let user = store.disable_portal_user(&email).await?;
            print(output, user_json(&user), format!("disabled portal user {} and ended its sessions", user.email));
        }
        UserCommand::Reset { email, link, output } => {
            let issued = users::reset(store, &email, &link.public_url).await?;
            print_link(output, &issued, "new link for portal user");
        }
    }
    Ok(())
}
