//! Where the client commands find the server and the credentials: flags, then `ORDER_TRACKING_*`
//! variables, then the profile `login` wrote; and where tokens are cached.

use std::path::PathBuf;

use clap::Args;
use order_tracking_client::{Client, Credentials, DEFAULT_BASE_URL, Secret, private_file};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cli::failure::Failure;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Base URL of the API: this server, or https://api.orange.com [default: the profile's, else http://127.0.0.1:8080].
    #[arg(long, global = true, env = "ORDER_TRACKING_URL")]
    pub url: Option<String>,
    /// OAuth client id [default: the profile's].
    #[arg(long, global = true, env = "ORDER_TRACKING_CLIENT_ID")]
    pub client_id: Option<String>,
    /// OAuth client secret [default: the profile's]. Prefer the variable or a profile: other
    /// users of this machine can read command lines.
    #[arg(long, global = true, env = "ORDER_TRACKING_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// API key [default: the profile's]. Prefer the variable or a profile, as for the secret.
    #[arg(long, global = true, env = "ORDER_TRACKING_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// The profile (written by `order-tracking login`) that supplies what the flags and variables do not.
    #[arg(long, global = true, env = "ORDER_TRACKING_PROFILE", default_value = DEFAULT_PROFILE)]
    pub profile: String,
    /// Do not keep the access token on disk between commands.
    #[arg(long, global = true)]
    pub no_token_cache: bool,
}

/// What `login` saves: one file per profile, mode 600.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
}

impl ClientArgs {
    /// The client these settings describe, with the token cached on disk unless told not to.
    pub fn client(&self) -> Result<Client, Failure> {
        let (url, credentials) = self.resolve()?;
        let mut builder = Client::builder(&url, credentials.clone());
        if !self.no_token_cache {
            builder = builder.token_cache_file(token_cache_file(&url, &credentials)?);
        }
        Ok(builder.build()?)
    }

    /// URL and credentials: each from its flag or variable, else from the profile.
    pub fn resolve(&self) -> Result<(String, Credentials), Failure> {
        let complete = self.client_id.is_some() && self.client_secret.is_some() && self.api_key.is_some();
        let profile = if complete && self.url.is_some() { None } else { load_profile(&self.profile)? };
        let named = self.profile != DEFAULT_PROFILE;
        if named && profile.is_none() && !complete {
            return Err(Failure::new(format!(
                "there is no profile {:?} ({}): create it with `order-tracking login --profile {}`",
                self.profile,
                profile_path(&self.profile)?.display(),
                self.profile
            )));
        }
        let missing = |what: &str, flag: &str, variable: &str| {
            Failure::new(format!("no {what}: give {flag}, set {variable}, or run `order-tracking login` once to save a profile"))
        };
        let url =
            self.url.clone().or_else(|| profile.as_ref().map(|profile| profile.url.clone())).unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let client_id = self
            .client_id
            .clone()
            .or_else(|| profile.as_ref().map(|profile| profile.client_id.clone()))
            .ok_or_else(|| missing("client id", "--client-id", "ORDER_TRACKING_CLIENT_ID"))?;
        let client_secret = self
            .client_secret
            .clone()
            .or_else(|| profile.as_ref().map(|profile| profile.client_secret.clone()))
            .ok_or_else(|| missing("client secret", "--client-secret", "ORDER_TRACKING_CLIENT_SECRET"))?;
        let api_key = self
            .api_key
            .clone()
            .or_else(|| profile.as_ref().map(|profile| profile.api_key.clone()))
            .ok_or_else(|| missing("API key", "--api-key", "ORDER_TRACKING_API_KEY"))?;
        Ok((url, Credentials { client_id, client_secret: Secret::new(client_secret), api_key: Secret::new(api_key) }))
    }
}

/// The profile, if it exists; a profile that others can read is refused.
pub fn load_profile(name: &str) -> Result<Option<Profile>, Failure> {
    let path = profile_path(name)?;
    let Some(text) = private_file::read(&path).map_err(|error| Failure::new(error.to_string()))? else { return Ok(None) };
    let profile = serde_json::from_str(&text).map_err(|error| {
        Failure::new(format!("{} is not a profile ({error}); run `order-tracking login` to write it again", path.display()))
    })?;
    Ok(Some(profile))
}

pub fn save_profile(name: &str, profile: &Profile) -> Result<PathBuf, Failure> {
    let path = profile_path(name)?;
    let text = serde_json::to_string_pretty(profile).expect("a profile serializes");
    private_file::write(&path, &text).map_err(|error| Failure::new(error.to_string()))?;
    Ok(path)
}

pub fn profile_path(name: &str) -> Result<PathBuf, Failure> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) || name.starts_with('.') {
        return Err(Failure::new(format!("profile name {name:?} is not usable: use letters, digits, '-', '_' and '.'")));
    }
    Ok(base_dir("XDG_CONFIG_HOME", ".config")?.join("order-tracking/profiles").join(format!("{name}.json")))
}

/// One cache file per server, client id and secret: profiles never share a token, and a changed
/// secret is checked by the token endpoint rather than served a token cached with the old one.
fn token_cache_file(url: &str, credentials: &Credentials) -> Result<PathBuf, Failure> {
    let digest = Sha256::digest(format!("{url}\n{}\n{}", credentials.client_id, credentials.client_secret.expose()));
    let name: String = digest.iter().take(12).map(|byte| format!("{byte:02x}")).collect();
    Ok(base_dir("XDG_CACHE_HOME", ".cache")?.join("order-tracking/tokens").join(format!("{name}.json")))
}

/// `$XDG_..._HOME`, else `$HOME/<fallback>`.
fn base_dir(variable: &str, fallback: &str) -> Result<PathBuf, Failure> {
    if let Some(dir) = std::env::var_os(variable).filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    match std::env::var_os("HOME").filter(|home| !home.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(fallback)),
        None => Err(Failure::new(format!("neither {variable} nor HOME is set: set one so profiles and tokens have a place"))),
    }
}
