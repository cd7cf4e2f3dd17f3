//! The one-time link's page: the user chooses its password. The link's secret arrives in the
//! query string and goes back in the form; the page is served with `Referrer-Policy: no-referrer`
//! so that it never leaves the portal.

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use time::OffsetDateTime;

use super::failure::PageFailure;
use super::layout;
use super::login::message_of;
use crate::auth::secret::{self, SecretKind};
use crate::domain::portal_user::PortalUser;
use crate::http::state::AppState;
use crate::i18n::texts::Text;
use crate::portal::passwords::{self, Weakness};
use crate::portal::paths::{LOGIN_PATH, PASSWORD_PATH};
use crate::portal::session::Visit;
use crate::store::StoreError;

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    link: String,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    link: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    csrf: String,
}

async fn user_of_link(state: &AppState, visit: &Visit, link: &str) -> Result<Option<PortalUser>, PageFailure> {
    if !secret::well_formed(SecretKind::PortalLink, link) {
        return Ok(None);
    }
    state
        .store
        .find_portal_link(&secret::hash(link), OffsetDateTime::now_utc())
        .await
        .map_err(|error| PageFailure::store(error, visit.language))
}

pub async fn password_page(State(state): State<AppState>, visit: Visit, Query(query): Query<LinkQuery>) -> Result<Response, PageFailure> {
    let user = user_of_link(&state, &visit, &query.link).await?;
    Ok(form(&state, &visit, user.as_ref(), &query.link, None))
}

fn form(state: &AppState, visit: &Visit, user: Option<&PortalUser>, link: &str, message: Option<Text>) -> Response {
    let language = visit.language;
    let Some(user) = user else {
        let body = html! {
            h1 { (Text::ChoosePassword.in_(language)) }
            p.error role="alert" { (Text::LinkInvalid.in_(language)) }
        };
        let mut gone = layout::page(&state.config.portal, visit, Text::ChoosePassword.in_(language), LOGIN_PATH, body);
        *gone.status_mut() = StatusCode::NOT_FOUND;
        return gone;
    };
    let body = html! {
        h1 { (Text::ChoosePassword.in_(language)) }
        (message_of(language, message))
        form.login method="post" action=(PASSWORD_PATH) {
            input type="hidden" name="csrf" value=(visit.csrf);
            input type="hidden" name="link" value=(link);
            // For password managers: the account the password is for.
            input type="hidden" name="email" value=(user.email) autocomplete="username";
            p { span.label { (Text::Email.in_(language)) } " " strong { (user.email) } }
            p {
                label for="password" { (Text::NewPassword.in_(language)) }
                input #password type="password" name="password" autocomplete="new-password" minlength=(passwords::MIN_PASSWORD_CHARS) required autofocus;
            }
            p {
                label for="repeat" { (Text::RepeatPassword.in_(language)) }
                input #repeat type="password" name="repeat" autocomplete="new-password" required;
            }
            p { button type="submit" { (Text::SavePassword.in_(language)) } }
        }
    };
    layout::page(&state.config.portal, visit, Text::ChoosePassword.in_(language), LOGIN_PATH, body)
}

pub async fn set_password(State(state): State<AppState>, visit: Visit, Form(sent): Form<PasswordForm>) -> Result<Response, PageFailure> {
    let user = user_of_link(&state, &visit, &sent.link).await?;
    if !visit.csrf_matches(&sent.csrf) {
        let mut refused = form(&state, &visit, user.as_ref(), &sent.link, Some(Text::FormExpired));
        *refused.status_mut() = StatusCode::FORBIDDEN;
        return Ok(refused);
    }
    let problem = match passwords::check(&sent.password) {
        Err(Weakness::TooShort) => Some(Text::PasswordTooShort),
        Err(Weakness::TooCommon) => Some(Text::PasswordTooCommon),
        Ok(()) if sent.password != sent.repeat => Some(Text::PasswordsDiffer),
        Ok(()) => None,
    };
    if user.is_none() || problem.is_some() {
        let mut refused = form(&state, &visit, user.as_ref(), &sent.link, problem);
        *refused.status_mut() = if user.is_none() { StatusCode::NOT_FOUND } else { StatusCode::UNPROCESSABLE_ENTITY };
        return Ok(refused);
    }
    let hash = passwords::hash_off_thread(sent.password).await;
    match state.store.use_portal_link(&secret::hash(&sent.link), &hash, OffsetDateTime::now_utc()).await {
        Ok(_) => Ok(Redirect::to(&format!("{LOGIN_PATH}?done=1")).into_response()),
        // Used meanwhile, by another tab.
        Err(StoreError::NotFound(_)) => Ok(form(&state, &visit, None, &sent.link, None)),
        Err(error) => Err(PageFailure::store(error, visit.language)),
    }
}
