//! What operators do with portal users (`admin user ...`, the demo): create one, give it a new
//! one-time link, disable it. The link's secret is returned once; only its hash is stored.

use time::{Duration, OffsetDateTime};

use super::paths::PASSWORD_PATH;
use crate::auth::secret::{self, SecretKind};
use crate::domain::portal_user::PortalUser;
use crate::i18n::Language;
use crate::store::{NewPortalUser, PortalStore, StoreError, StoreResult};

/// How long a one-time link lets its user set a password.
pub const LINK_VALIDITY: Duration = Duration::hours(24);

/// A user and the link that sets its password, which cannot be read back later.
#[derive(Debug)]
pub struct IssuedLink {
    pub user: PortalUser,
    /// `BASE/portal/password?link=SECRET`.
    pub link: String,
    pub expires_at: OffsetDateTime,
}

/// An email as stored: trimmed and lower-cased. `Err` names what is wrong with it.
pub fn normalize_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@')
    });
    match well_formed && email.len() <= 254 && !email.chars().any(|char| char.is_whitespace() || char.is_control()) {
        true => Ok(email),
        false => Err(format!("{email:?} is not an email address: give one such as name@example.com")),
    }
}

pub async fn create(
    store: &dyn PortalStore,
    customer_id: &str,
    email: &str,
    name: Option<&str>,
    language: Option<Language>,
    base_url: &str,
) -> StoreResult<IssuedLink> {
    let email = normalize_email(email).map_err(StoreError::Conflict)?;
    let user = NewPortalUser {
        id: secret::new_id("usr_"),
        customer_id: customer_id.to_owned(),
        email,
        name: name.map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned),
        language: language.map(|language| language.code().to_owned()),
    };
    let user = store.create_portal_user(user).await?;
    reset(store, &user.email, base_url).await
}

/// A new one-time link for the user (the earlier one stops working); its password, if any,
/// keeps working until the link is used. A disabled user gets none.
pub async fn reset(store: &dyn PortalStore, email: &str, base_url: &str) -> StoreResult<IssuedLink> {
    let email = normalize_email(email).map_err(StoreError::Conflict)?;
    let found = store.find_portal_login(&email).await?.ok_or_else(|| StoreError::NotFound(format!("portal user {email:?}")))?;
    if found.user.disabled_at.is_some() {
        return Err(StoreError::Conflict(format!("portal user {email:?} is disabled: a disabled user stays so; create another")));
    }
    let generated = secret::generate(SecretKind::PortalLink);
    let expires_at = OffsetDateTime::now_utc() + LINK_VALIDITY;
    let user = store.set_portal_link(&email, &generated.hash, expires_at).await?;
    let link = format!("{}{PASSWORD_PATH}?link={}", base_url.trim_end_matches('/'), generated.text);
    Ok(IssuedLink { user, link, expires_at })
}

/// The user `--demo` and `--sandbox` make for their customer.
pub const DEMO_EMAIL: &str = "demo.user@example.com";

/// The demo's user, made on the first start and given a new link on every start (a link cannot
/// be read back).
pub async fn demo_user(store: &dyn PortalStore, customer_id: &str, base_url: &str) -> StoreResult<IssuedLink> {
    match store.find_portal_login(DEMO_EMAIL).await? {
        Some(_) => reset(store, DEMO_EMAIL, base_url).await,
        None => create(store, customer_id, DEMO_EMAIL, Some("Demo user"), None, base_url).await,
    }
}

/// What `serve` prints of the portal for the demo's user.
pub fn demo_instructions(base_url: &str, issued: &IssuedLink) -> String {
    format!(
        "The portal for the customer's staff: {base_url}{login}\n\
         \x20 Demo user {email}: set its password first (link valid 24 h, shown once):\n\
         \x20 {link}\n",
        login = super::paths::LOGIN_PATH,
        email = issued.user.email,
        link = issued.link,
    )
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(normalize_email("  Site.Manager@Example.COM "), Ok("site.manager@example.com".to_owned()));
        for bad in ["", "no-at-sign", "@example.com", "a@b", "a@.com", "a@b.", "a b@example.com", "a@b@c.com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
