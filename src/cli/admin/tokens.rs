//! `order-tracking admin token ...`: the admin API's credentials (issue #32). A token is shown
//! once, when it is made; only its hash is kept.

use serde_json::{Value, json};

use super::commands::TokenCommand;
use super::output::{print, rfc3339};
use crate::auth::secret::{self, SecretKind};
use crate::cli::failure::Failure;
use crate::domain::credentials::AdminToken;
use crate::store::AdminTokenStore;

const NAME_AT_MOST: usize = 64;

fn token_json(token: &AdminToken) -> Value {
    json!({"name": token.name, "createdAt": rfc3339(token.created_at), "revokedAt": token.revoked_at.map(rfc3339)})
}

pub async fn tokens(store: &dyn AdminTokenStore, command: TokenCommand) -> Result<(), Failure> {
    match command {
        TokenCommand::Create { name, output } => {
            check_name(&name)?;
            let generated = secret::generate(SecretKind::AdminToken);
            let token = store.create_admin_token(&name, &generated.hash).await?;
            print(
                output,
                json!({"name": token.name, "adminToken": generated.text, "createdAt": rfc3339(token.created_at)}),
                format!(
                    "name:        {}\nadmin_token: {}\n(the token is shown only now: keep it in the pipeline's secrets)",
                    token.name, generated.text
                ),
            );
        }
        TokenCommand::List { output } => {
            let tokens = store.list_admin_tokens().await?;
            let text: Vec<String> = tokens
                .iter()
                .map(|token| {
                    let state = token.revoked_at.map_or("active".to_owned(), |at| format!("revoked {}", rfc3339(at)));
                    format!("{}\tcreated {}\t{state}", token.name, rfc3339(token.created_at))
                })
                .collect();
            let listed: Vec<Value> = tokens.iter().map(token_json).collect();
            print(output, json!({ "tokens": listed }), if text.is_empty() { "no admin tokens".to_owned() } else { text.join("\n") });
        }
        TokenCommand::Revoke { name, output } => {
            let token = store.revoke_admin_token(&name).await?;
            print(output, token_json(&token), format!("revoked admin token {}", token.name));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), Failure> {
    let fine = !name.is_empty() && name.len() <= NAME_AT_MOST && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if fine {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "--name {name:?}: an admin token's name is 1 to {NAME_AT_MOST} letters, digits, '-', '_' or '.' (it appears in the admin API's log)"
        )))
    }
}
