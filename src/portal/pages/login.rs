//! Signing in and out, and the language switch.
//!
//! A wrong email, a wrong password, a disabled user and a locked-out email all answer the same
//! page, after the same work: one Argon2id verification (against a hash made for no password
//! when there is none to check), so that neither the answer nor its time tells which it was.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use time::OffsetDateTime;

use super::failure::PageFailure;
use super::layout;
use crate::http::state::AppState;
use crate::i18n::Language;
use crate::i18n::texts::Text;
use crate::portal::paths::{LANGUAGE_PATH, LOGIN_PATH, ORDERS_START, PORTAL_PATH};
use crate::portal::session::{self, LANGUAGE_COOKIE, Visit, cookie, cookie_names, removal};
use crate::portal::{lockout, passwords, users};

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// Set after a password was saved, to say so.
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login_page(State(state): State<AppState>, visit: Visit, Query(query): Query<LoginQuery>) -> Response {
    if visit.user.is_some() {
        return Redirect::to(ORDERS_START).into_response();
    }
    let notice = query.done.is_some().then_some(Text::PasswordSet);
    login_form(&state, &visit, "", notice)
}

fn login_form(state: &AppState, visit: &Visit, email: &str, message: Option<Text>) -> Response {
    let language = visit.language;
    let body = html! {
        h1 { (Text::SignIn.in_(language)) }
        (message_of(language, message))
        form.login method="post" action=(LOGIN_PATH) {
            input type="hidden" name="csrf" value=(visit.csrf);
            p {
                label for="email" { (Text::Email.in_(language)) }
                input #email type="email" name="email" value=(email) autocomplete="username" required autofocus[email.is_empty()];
            }
            p {
                label for="password" { (Text::Password.in_(language)) }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            p { button type="submit" { (Text::SignInButton.in_(language)) } }
        }
    };
    layout::page(&state.config.portal, visit, Text::SignIn.in_(language), LOGIN_PATH, body)
}

/// A notice (a password saved) or an error (anything else), read out by screen readers.
pub fn message_of(language: Language, message: Option<Text>) -> Markup {
    html! {
        @match message {
            Some(Text::PasswordSet) => p.notice role="status" { (Text::PasswordSet.in_(language)) },
            Some(text) => p.error role="alert" { (text.in_(language)) },
            None => {},
        }
    }
}

pub async fn login(State(state): State<AppState>, visit: Visit, Form(form): Form<LoginForm>) -> Result<Response, PageFailure> {
    let language = visit.language;
    if !visit.csrf_matches(&form.csrf) {
        let mut refused = login_form(&state, &visit, &form.email, Some(Text::FormExpired));
        *refused.status_mut() = StatusCode::FORBIDDEN;
        return Ok(refused);
    }
    // An address that is not one is looked up as typed, and found by no one.
    let email = users::normalize_email(&form.email).unwrap_or_else(|_| form.email.trim().to_lowercase());
    let store = &state.store;
    let now = OffsetDateTime::now_utc();
    let failures = store.login_failures(&email).await.map_err(|error| PageFailure::store(error, language))?;
    let locked = lockout::is_locked(failures, now);
    let found = store.find_portal_login(&email).await.map_err(|error| PageFailure::store(error, language))?;
    let usable = found.filter(|login| login.user.disabled_at.is_none());
    let stored = usable.as_ref().and_then(|login| login.password_hash.clone());
    let matches = passwords::verify_off_thread(form.password, stored).await;
    let user = match usable {
        Some(login) if matches && !locked => login.user,
        _ => {
            // Written when locked too (unchanged then), so that a locked email costs the same time.
            let kept = match failures {
                Some(kept) if locked => kept,
                _ => lockout::after_failure(failures, now),
            };
            store.set_login_failures(&email, kept).await.map_err(|error| PageFailure::store(error, language))?;
            state.metrics.portal_login(false);
            let mut refused = login_form(&state, &visit, &form.email, Some(Text::WrongLogin));
            *refused.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(refused);
        }
    };
    if failures.is_some() {
        store.clear_login_failures(&email).await.map_err(|error| PageFailure::store(error, language))?;
    }
    let secret_text = session::start(&state, &user).await.map_err(|error| PageFailure::store(error, language))?;
    state.metrics.portal_login(true);
    let settings = &state.config.portal;
    let mut response = Redirect::to(ORDERS_START).into_response();
    set_cookie(response.headers_mut(), cookie(settings, cookie_names(settings).session, secret_text, None));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, visit: Visit, Form(form): Form<CsrfForm>) -> Result<Response, PageFailure> {
    if !visit.csrf_matches(&form.csrf) {
        return Err(PageFailure::Forged(visit.language));
    }
    session::end(&state, &visit).await.map_err(|error| PageFailure::store(error, visit.language))?;
    let settings = &state.config.portal;
    let mut response = Redirect::to(LOGIN_PATH).into_response();
    set_cookie(response.headers_mut(), removal(settings, cookie_names(settings).session));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    back: String,
}

/// Keeps the chosen language in a cookie for a year, and goes back to the page it was chosen on
/// (a portal page only: never to another site).
pub async fn choose_language(State(state): State<AppState>, visit: Visit, Form(form): Form<LanguageForm>) -> Result<Response, PageFailure> {
    if !visit.csrf_matches(&form.csrf) {
        return Err(PageFailure::Forged(visit.language));
    }
    let Some(language) = Language::from_code(&form.language) else {
        return Err(PageFailure::BadQuery(visit.language, format!("{:?} is not a language of the portal: choose en or fr", form.language)));
    };
    let back = match form.back.starts_with(PORTAL_PATH) && !form.back.starts_with("//") && form.back != LANGUAGE_PATH {
        true => form.back,
        false => ORDERS_START.to_owned(),
    };
    let mut response = Redirect::to(&back).into_response();
    let settings = &state.config.portal;
    set_cookie(response.headers_mut(), cookie(settings, LANGUAGE_COOKIE, language.code().to_owned(), Some(time::Duration::days(365))));
    Ok(response)
}

pub fn set_cookie(headers: &mut HeaderMap, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.append(header::SET_COOKIE, value);
    }
}
