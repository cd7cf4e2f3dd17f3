//! The frame of every page: the language, a skip link, the header (who is signed in, sign-out,
//! the language switch) and the main content; and the headers every page is served with.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::i18n::Language;
use crate::i18n::texts::Text;
use crate::portal::paths::{LANGUAGE_PATH, LOGOUT_PATH, ORDERS_START, STYLE_PATH};
use crate::portal::session::{Visit, cookie, cookie_names};
use crate::portal::settings::PortalSettings;

/// A page of the visit: with the header, and the anti-forgery cookie when the visit has none yet.
/// `back` is where the language switch returns to.
pub fn page(settings: &PortalSettings, visit: &Visit, title: &str, back: &str, body: Markup) -> Response {
    let language = visit.language;
    let header = html! {
        header.top {
            a.brand href=(ORDERS_START) { (Text::Portal.in_(language)) }
            form.switch method="post" action=(LANGUAGE_PATH) {
                input type="hidden" name="csrf" value=(visit.csrf);
                input type="hidden" name="back" value=(back);
                label for="language" { (Text::Language.in_(language)) }
                select #language name="language" {
                    @for choice in Language::ALL {
                        option value=(choice.code()) selected[choice == language] lang=(choice.code()) { (name_of(choice)) }
                    }
                }
                button type="submit" { (Text::Change.in_(language)) }
            }
            @if let Some(user) = &visit.user {
                form.signout method="post" action=(LOGOUT_PATH) {
                    span { (Text::SignedInAs.in_(language)) " " strong { (user.name.as_deref().unwrap_or(&user.email)) } }
                    input type="hidden" name="csrf" value=(visit.csrf);
                    button type="submit" { (Text::SignOut.in_(language)) }
                }
            }
        }
    };
    let mut response = document(language, title, header, body);
    if let Some(fresh) = &visit.new_csrf_cookie
        && let Ok(value) = HeaderValue::from_str(&cookie(settings, cookie_names(settings).csrf, fresh.clone(), None))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A page without the header: for failures, where the visit may be unknown.
pub fn bare(language: Language, title: &str, body: Markup) -> Response {
    document(language, title, html! {}, body)
}

fn name_of(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Fr => "Français",
    }
}

fn document(language: Language, title: &str, header: Markup, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(language.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (Text::Portal.in_(language)) }
                link rel="stylesheet" href=(STYLE_PATH);
            }
            body {
                a.skip href="#content" { (Text::SkipToContent.in_(language)) }
                (header)
                main #content tabindex="-1" { (body) }
            }
        }
    };
    (with_page_headers(), Html(markup.into_string())).into_response()
}

/// The headers of every portal answer: nothing from elsewhere may run, style or frame the
/// pages; private pages are never cached; no address (which may hold a link's secret) leaks
/// to another site.
pub fn with_page_headers() -> [(header::HeaderName, HeaderValue); 5] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}
