//! The scenarios of the performance suite (issue #4), each as the list of requests wrk sends to
//! order-tracking and, where json-server can express it, the equivalent list for the peer.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::wrk::Request;

pub const ORDERS: &str = "/order-tracking/b2b/v1/orders";
pub const TOKEN: &str = "/oauth/v3/token";

/// How a scenario's requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A bearer token and the API key, as every API call.
    ApiCall,
    /// The client's id and secret in a Basic header, as a token request.
    ClientCredentials,
}

pub struct Scenario {
    pub key: &'static str,
    pub title: &'static str,
    pub auth: Auth,
    /// Headers sent beside the credentials (none but `h`'s `Accept-Encoding`).
    pub headers: &'static [(&'static str, &'static str)],
    pub ours: Vec<Request>,
    /// The same work for json-server, when it can express it.
    pub peer: Option<Vec<Request>>,
}

/// One list request in neutral terms, written out for either server.
#[derive(Debug, Clone, Default)]
struct List {
    /// (path, operator, value); operator `eq`, `gte` or `lte`.
    filters: Vec<(&'static str, &'static str, String)>,
    /// (path, descending).
    sort: Vec<(&'static str, bool)>,
    offset: usize,
    limit: usize,
    fields: Option<&'static str>,
}

impl List {
    fn ours(&self) -> Request {
        let mut query: Vec<(String, String)> = Vec::new();
        for (path, op, value) in &self.filters {
            let name = if *op == "eq" { (*path).to_owned() } else { format!("{path}.{op}") };
            query.push((name, value.clone()));
        }
        if !self.sort.is_empty() {
            let keys: Vec<String> =
                self.sort.iter().map(|(path, descending)| format!("{}{path}", if *descending { "-" } else { "" })).collect();
            query.push(("sort".into(), keys.join(",")));
        }
        if let Some(fields) = self.fields {
            query.push(("fields".into(), fields.into()));
        }
        query.push(("offset".into(), self.offset.to_string()));
        query.push(("limit".into(), self.limit.to_string()));
        Request::get(format!("{ORDERS}?{}", encode(&query)))
    }

    /// json-server 0.17: `path_gte`, `_sort=a,b&_order=asc,desc`, `_start` and `_limit`; it has
    /// no field selection, so it returns whole orders.
    fn peer(&self) -> Request {
        let mut query: Vec<(String, String)> = Vec::new();
        for (path, op, value) in &self.filters {
            let name = if *op == "eq" { (*path).to_owned() } else { format!("{path}_{op}") };
            query.push((name, value.clone()));
        }
        if !self.sort.is_empty() {
            let paths: Vec<&str> = self.sort.iter().map(|(path, _)| *path).collect();
            let orders: Vec<&str> = self.sort.iter().map(|(_, descending)| if *descending { "desc" } else { "asc" }).collect();
            query.push(("_sort".into(), paths.join(",")));
            query.push(("_order".into(), orders.join(",")));
        }
        query.push(("_start".into(), self.offset.to_string()));
        query.push(("_limit".into(), self.limit.to_string()));
        Request::get(format!("/orders?{}", encode(&query)))
    }
}

fn encode(query: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish()
}

/// The value at a dotted path of an order, as a string.
fn leaf(order: &Value, path: &str) -> Option<String> {
    path.split('.').try_fold(order, |value, key| value.get(key))?.as_str().map(str::to_owned)
}

/// The first `YYYY-MM-DD` of a date-time.
fn day(date_time: &str) -> String {
    date_time.chars().take(10).collect()
}

/// A date `days` after `date` (`YYYY-MM-DD`).
fn days_after(date: &str, days: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(date, &format)
        .map(|start| (start + time::Duration::days(days)).format(&format).unwrap_or_default())
        .unwrap_or_default()
}

const SORTS: [&[(&str, bool)]; 7] = [
    &[],
    &[("orderDate", true)],
    &[("orderDate", false)],
    &[("lastUpdateDate", true)],
    &[("status", false), ("orderDate", true)],
    &[("request.customerReference", false)],
    &[("site.address.city", false)],
];
const OFFSETS: [usize; 5] = [0, 20, 40, 100, 500];

/// The seven scenarios of issue #4, and (a) compressed, on `orders` (the tenant's, as JSON), `varied` requests for
/// those that vary.
pub fn all(orders: &[Value], varied: usize, seed: u64) -> Vec<Scenario> {
    let mut rng = StdRng::seed_from_u64(seed);
    let current = orders.iter().filter(|order| order["status"] == "Current").count();
    let first_page =
        List { filters: vec![("status", "eq", "Current".into())], sort: vec![("orderDate", true)], limit: 20, ..List::default() };
    let pair = |lists: &[List]| (lists.iter().map(List::ours).collect(), Some(lists.iter().map(List::peer).collect()));

    let varied_lists: Vec<List> = (0..varied).map(|_| varied_list(orders, &mut rng)).collect();
    let date_ranges: Vec<List> = (0..varied)
        .map(|_| {
            let from = day(&leaf(orders.choose(&mut rng).expect("orders"), "orderDate").unwrap_or_default());
            List {
                filters: vec![("orderDate", "gte", from.clone()), ("orderDate", "lte", days_after(&from, 30))],
                sort: vec![("status", false), ("orderDate", true)],
                limit: 20,
                ..List::default()
            }
        })
        .collect();
    let deep = List { offset: current.saturating_sub(40), ..first_page.clone() };
    let details: Vec<Request> = (0..varied)
        .map(|_| Request::get(format!("{ORDERS}/{}", orders.choose(&mut rng).expect("orders")["id"].as_str().unwrap_or_default())))
        .collect();
    let peer_details = details.iter().map(|request| Request::get(request.path.replacen(ORDERS, "/orders", 1))).collect();
    let projections: Vec<List> = (0..varied)
        .map(|_| List {
            fields: Some("id,status,lastUpdateDate"),
            sort: vec![("lastUpdateDate", true)],
            offset: *OFFSETS.choose(&mut rng).expect("offsets"),
            limit: 20,
            ..List::default()
        })
        .collect();

    let scenario =
        |key, title, auth, (ours, peer): (Vec<Request>, Option<Vec<Request>>)| Scenario { key, title, auth, headers: &[], ours, peer };
    vec![
        scenario(
            "a",
            "first page, `status=Current&sort=-orderDate&limit=20`, repeated",
            Auth::ApiCall,
            pair(std::slice::from_ref(&first_page)),
        ),
        scenario("b", "varied lists (filter, sort, offset drawn from the data)", Auth::ApiCall, pair(&varied_lists)),
        scenario("c", "a 30-day `orderDate` range, `sort=status,-orderDate`", Auth::ApiCall, pair(&date_ranges)),
        scenario("d", "deep offset: (a) at `offset` = total − 40", Auth::ApiCall, pair(std::slice::from_ref(&deep))),
        scenario("e", "detail by id, varied ids", Auth::ApiCall, (details, Some(peer_details))),
        scenario(
            "f",
            "token issuance (client credentials, Basic)",
            Auth::ClientCredentials,
            (vec![Request { method: "POST", path: TOKEN.into(), body: Some("grant_type=client_credentials".into()) }], None),
        ),
        scenario("g", "`fields=id,status,lastUpdateDate`, `sort=-lastUpdateDate`, varied offsets", Auth::ApiCall, pair(&projections)),
        // The answer cache keeps the compressed form: within 10% of (a), issue #30.
        Scenario {
            headers: &[("Accept-Encoding", "gzip")],
            ..scenario("h", "(a) with `Accept-Encoding: gzip`", Auth::ApiCall, (vec![first_page.ours()], None))
        },
    ]
}

/// A filter drawn from a random order (so that it matches something), a sort and an offset.
fn varied_list(orders: &[Value], rng: &mut StdRng) -> List {
    let order = orders.choose(rng).expect("orders");
    let mut filters = Vec::new();
    let mut add = |path: &'static str| {
        if let Some(value) = leaf(order, path) {
            filters.push((path, "eq", value));
        }
    };
    match rng.random_range(0..7) {
        0 => add("status"),
        1 => add("site.address.city"),
        2 => add("request.customerReference"),
        3 => add("product.code"),
        4 => {
            add("status");
            add("site.address.country");
        }
        5 => {
            if let Some(updated) = leaf(order, "lastUpdateDate") {
                filters.push(("lastUpdateDate", "gte", day(&updated)));
            }
        }
        _ => {} // no filter
    }
    List {
        filters,
        sort: SORTS.choose(rng).expect("sorts").to_vec(),
        offset: *OFFSETS.choose(rng).expect("offsets"),
        limit: 20,
        fields: None,
    }
}

/// Requests for the cost of an exact `X-Total-Count` that nothing cached serves, one order
/// returned, for each way the kept counts serve a total, and for a filter on the appointments
/// that is counted: a filter names a bound before every order's value (an instant in 1990, a
/// name in digits), distinct per request, so that each request differs from the others.
pub fn count_probes(count: usize) -> Vec<(&'static str, Vec<Request>)> {
    let probe = |filter: &str| (0..count).map(|n| Request::get(format!("{ORDERS}?{filter}1990-01-01T00:00:00.{n:06}Z&limit=1"))).collect();
    let names: Vec<Request> = (0..count).map(|n| Request::get(format!("{ORDERS}?milestones.name.gte={n:06}&limit=1"))).collect();
    vec![
        ("`orderDate.gte=` (every order)", probe("orderDate.gte=")),
        ("`status.ne=Closed&orderDate.gte=`", probe("status.ne=Closed&orderDate.gte=")),
        ("`completionDate.gte=`", probe("completionDate.gte=")),
        ("`expectedCompletionDate.gte=`", probe("expectedCompletionDate.gte=")),
        ("`milestones.name.gte=` (kept per set)", names),
        ("`appointments.start.gte=` (counted)", probe("appointments.start.gte=")),
    ]
}
