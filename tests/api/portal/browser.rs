//! A browser as the portal's tests need one: its own cookies, no redirect followed, forms
//! posted with the anti-forgery token of the page they came from.

use std::collections::BTreeMap;

use order_tracking::portal::users;
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};

use crate::harness::{Answer, Tenant, TestApp, answer};

pub const PASSWORD: &str = "correct horse battery";

pub struct Browser {
    http: reqwest::Client,
    base: String,
    pub cookies: BTreeMap<String, String>,
    /// Sent with every request, such as `Accept-Language`.
    pub headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
        Browser { http, base: app.url(""), cookies: BTreeMap::new(), headers: Vec::new() }
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().expect("ASCII cookie");
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            let removed = text.contains("Max-Age=0");
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let mut request = request.header(COOKIE, self.cookie_header());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let answer = answer(request.send().await.expect("the server answers")).await;
        self.keep_cookies(&answer.headers);
        answer
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// Posts `fields` as a form, with `csrf` as the anti-forgery token.
    pub async fn post(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(all).finish();
        let request = self.http.post(format!("{}{path}", self.base)).header("content-type", "application/x-www-form-urlencoded").body(body);
        self.send(request).await
    }

    /// Gets the page at `path` and posts `fields` with its token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let form = self.get(page).await;
        assert_eq!(form.status, 200, "{page}: {}", form.body);
        self.post(action, &csrf_of(&form), fields).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.submit("/portal/login", "/portal/login", &[("email", email), ("password", password)]).await
    }
}

/// The anti-forgery token of a page's first form.
pub fn csrf_of(page: &Answer) -> String {
    let start = page.body.find(r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no form token in {}", page.body)) + 19;
    page.body[start..].split('"').next().expect("a closing quote").to_owned()
}

/// The order ids of a list page, in their order.
pub fn listed_ids(page: &Answer) -> Vec<String> {
    page.body
        .split(r#"<tr id="order-"#)
        .skip(1)
        .map(|row| {
            let start = row.find(r#"data-order=""#).expect("a data-order") + 12;
            html_unescape(row[start..].split('"').next().expect("a closing quote"))
        })
        .collect()
}

fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// A user of the tenant's customer with a password set through its link, and a browser
/// signed in as it.
pub async fn signed_in(app: &TestApp, tenant: &Tenant, email: &str) -> Browser {
    set_password(app, tenant, email, None).await;
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(email, PASSWORD).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    browser
}

/// Creates the user and sets its password through the one-time link, as its owner would.
pub async fn set_password(app: &TestApp, tenant: &Tenant, email: &str, language: Option<order_tracking::i18n::Language>) {
    let issued = users::create(app.store.as_ref(), &tenant.customer_id, email, None, language, &app.url("")).await.expect("a user");
    let path = issued.link.strip_prefix(&app.url("")).expect("a link to this server").to_owned();
    let link = path.split_once("link=").expect("a link secret").1.to_owned();
    let mut browser = Browser::new(app);
    let set = browser.submit(&path, "/portal/password", &[("link", &link), ("password", PASSWORD), ("repeat", PASSWORD)]).await;
    assert_eq!((set.status, set.header("location")), (303, Some("/portal/login?done=1")), "{}", set.body);
}

impl Browser {
    /// A page as a browser asking for `language` first would get it.
    pub async fn get_with_language(mut self, path: &str, language: &str) -> Answer {
        self.headers.push(("accept-language".into(), language.into()));
        self.get(path).await
    }
}
