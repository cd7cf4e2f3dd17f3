//! Who is visiting: the session cookie checked against the stored sessions, the anti-forgery
//! token of the visit's forms, and the language its pages are shown in.
//!
//! A session's cookie holds a random secret (190 bits); the store keeps only its SHA-256. It
//! ends after 30 minutes unused, 12 hours after sign-in, at sign-out, and when its user is
//! disabled. Forms carry a token derived from the session's secret (signed in) or equal to a
//! random cookie of their own (signed out: the login and password forms), which a page of
//! another site can neither read nor set.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::settings::PortalSettings;
use crate::auth::secret::{self, SecretKind};
use crate::domain::portal_user::PortalUser;
use crate::http::state::AppState;
use crate::i18n::Language;
use crate::store::{StoreError, StoreResult};

/// A session is marked as used again at most this often, not at every page.
const TOUCH_EVERY: time::Duration = time::Duration::seconds(60);

/// The visit of one request: its user when signed in, and what its forms and pages need.
#[derive(Debug, Clone)]
pub struct Visit {
    pub user: Option<PortalUser>,
    /// The token the visit's forms must send back.
    pub csrf: String,
    pub language: Language,
    /// The secret of the session cookie, while it names a live session.
    pub session_secret: Option<String>,
    /// The anti-forgery cookie's value to set, when the visit had none.
    pub new_csrf_cookie: Option<String>,
    /// When the session ends at the latest (12 hours after signing in), while signed in.
    pub ends_at: Option<OffsetDateTime>,
}

pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
}

/// With `Secure`, the `__Host-` prefix: the browser then refuses the cookie from plain http
/// and from any other host or path, so that no sibling site can plant one.
pub fn cookie_names(settings: &PortalSettings) -> CookieNames {
    match settings.secure_cookies {
        true => CookieNames { session: "__Host-ot_session", csrf: "__Host-ot_csrf" },
        false => CookieNames { session: "ot_session", csrf: "ot_csrf" },
    }
}

pub const LANGUAGE_COOKIE: &str = "ot_lang";

/// A cookie of the portal: for the whole site (so that `__Host-` may be used), never readable by
/// scripts, sent along with a link from elsewhere but not with another site's form.
pub fn cookie(settings: &PortalSettings, name: &'static str, value: String, max_age: Option<time::Duration>) -> String {
    let mut cookie = Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(settings.secure_cookies);
    if let Some(max_age) = max_age {
        cookie = cookie.max_age(max_age);
    }
    cookie.build().to_string()
}

/// The `Set-Cookie` value that deletes a cookie.
pub fn removal(settings: &PortalSettings, name: &'static str) -> String {
    cookie(settings, name, String::new(), Some(time::Duration::ZERO))
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The forms' token of a signed-in visit: from the session's secret, which only the browser
/// holding the cookie knows.
fn session_csrf(session_secret: &str) -> String {
    let digest = Sha256::digest(format!("csrf\0{session_secret}").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Visit {
    /// Whether a form sent back this visit's token.
    pub fn csrf_matches(&self, sent: &str) -> bool {
        !self.csrf.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(sent.as_bytes()))
    }

    /// Reads the cookies and the session. A session that has ended is deleted and the visit is
    /// signed out.
    pub async fn of(headers: &HeaderMap, state: &AppState) -> StoreResult<Visit> {
        let settings = &state.config.portal;
        let names = cookie_names(settings);
        let now = OffsetDateTime::now_utc();
        let mut user = None;
        let mut session_secret = None;
        let mut ends_at = None;
        if let Some(secret_text) = cookie_value(headers, names.session).filter(|text| secret::well_formed(SecretKind::PortalSession, text))
        {
            let hash = secret::hash(secret_text);
            if let Some(session) = state.store.find_portal_session(&hash).await? {
                let ended = session.user.disabled_at.is_some()
                    || now - session.last_seen_at > settings.idle_timeout
                    || now - session.created_at > settings.absolute_timeout;
                if ended {
                    state.store.delete_portal_session(&hash).await?;
                    state.metrics.portal_session_ended("expired");
                } else {
                    if now - session.last_seen_at > TOUCH_EVERY {
                        state.store.touch_portal_session(&hash, now).await?;
                    }
                    ends_at = Some(session.created_at + settings.absolute_timeout);
                    user = Some(session.user);
                    session_secret = Some(secret_text.to_owned());
                }
            }
        }
        let (csrf, new_csrf_cookie) = match (&session_secret, cookie_value(headers, names.csrf)) {
            (Some(secret_text), _) => (session_csrf(secret_text), None),
            (None, Some(value)) if value.len() == 32 && value.bytes().all(|b| b.is_ascii_alphanumeric()) => (value.to_owned(), None),
            (None, _) => {
                let fresh = secret::new_id("").chars().chain(secret::new_id("").chars()).collect::<String>();
                (fresh.clone(), Some(fresh))
            }
        };
        let chosen = cookie_value(headers, LANGUAGE_COOKIE).and_then(Language::from_code);
        let own = user.as_ref().and_then(|user| user.language.as_deref()).and_then(Language::from_code);
        let language = chosen.or(own).unwrap_or_else(|| Language::from_accept_language(headers));
        Ok(Visit { user, csrf, language, session_secret, new_csrf_cookie, ends_at })
    }
}

/// The store failed while reading the visit: a page says so (`pages::failure`).
#[derive(Debug)]
pub struct VisitFailure {
    pub error: StoreError,
    pub language: Language,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = VisitFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Visit::of(&parts.headers, state)
            .await
            .map_err(|error| VisitFailure { error, language: Language::from_accept_language(&parts.headers) })
    }
}

/// A new session for a user who just signed in: its secret, for the cookie.
pub async fn start(state: &AppState, user: &PortalUser) -> StoreResult<String> {
    let generated = secret::generate(SecretKind::PortalSession);
    state.store.create_portal_session(&generated.hash, &user.id, OffsetDateTime::now_utc()).await?;
    Ok(generated.text)
}

/// Ends the visit's session, if it has one.
pub async fn end(state: &AppState, visit: &Visit) -> StoreResult<()> {
    match &visit.session_secret {
        Some(secret_text) => {
            state.store.delete_portal_session(&secret::hash(secret_text)).await?;
            state.metrics.portal_session_ended("logout");
            Ok(())
        }
        None => Ok(()),
    }
}
