//! Talking to the server and comparing its answers with the oracle's.

use super::*;

/// One data set on one server: a customer of its own holding the orders. Customers are
/// isolated, so the cases of a test share a server (and its database) per backend.
pub(super) struct Server<'a> {
    pub(super) app: &'a TestApp,
    pub(super) token: String,
    pub(super) api_key: String,
}

impl<'a> Server<'a> {
    pub(super) async fn load(app: &'a TestApp, orders: &[OrderSpec]) -> Server<'a> {
        let tenant = app.tenant("Oracle").await;
        let documents: Vec<Value> = orders.iter().map(OrderSpec::to_json).collect();
        app.import(&tenant, &documents).await;
        let token = app.token(&tenant).await;
        Server { app, token, api_key: tenant.api_key }
    }

    pub(super) async fn get(&self, url: &str) -> Answer {
        self.app.get_authorized(&self.token, &self.api_key, url).await
    }
}

/// Two servers per backend, and the runtime they run on, for the whole of a test: one answers
/// lists from its in-memory indexes (their data sets are small enough to be indexed by the
/// list that needs it), the other has none and reads every list from SQL.
pub(super) struct Servers {
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) apps: Vec<TestApp>,
}

impl Servers {
    pub(super) fn start() -> Servers {
        let runtime = runtime();
        let apps = runtime.block_on(async {
            let mut apps = Vec::new();
            for backend in Backend::available() {
                apps.push(TestApp::spawn(backend).await);
                apps.push(TestApp::spawn_with(backend, |config| config.store.list_index_bytes = 0).await);
            }
            apps
        });
        Servers { runtime, apps }
    }

    /// Runs one check against one of the servers, naming its backend and way of listing in a
    /// failure, and requiring that the lists were answered that way.
    pub(super) fn run(
        &self,
        app: &TestApp,
        check: impl std::future::Future<Output = Result<(), TestCaseError>>,
    ) -> Result<(), TestCaseError> {
        let backend = app.database.backend;
        let indexed = app.store.list_index_usage().answered;
        let way = if app.lists_from_indexes() { "lists from in-memory indexes" } else { "lists from SQL" };
        self.runtime.block_on(check).map_err(|error| TestCaseError::fail(format!("on {backend:?}, {way}: {error}")))?;
        let answered = app.store.list_index_usage().answered - indexed;
        if !app.lists_from_indexes() && answered != 0 {
            return fail(format!("on {backend:?}, {answered} lists were answered from an index that is off"));
        }
        Ok(())
    }

    /// Ends a test: each server with indexes answered lists from them (a case may have none
    /// they can answer, but not every case).
    pub(super) fn finish(self) {
        for app in self.apps.iter().filter(|app| app.lists_from_indexes()) {
            assert!(app.store.list_index_usage().answered > 0, "on {:?}, no list was answered from an index", app.database.backend);
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        // The servers and their databases go before the runtime they run on.
        let apps = std::mem::take(&mut self.apps);
        self.runtime.block_on(async move { drop(apps) });
    }
}

/// Runs a property over generated cases; a failure panics with the smallest failing case.
pub(super) fn run_cases<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: fmt::Debug,
{
    let mut runner = proptest::test_runner::TestRunner::new(config(cases));
    if let Err(error) = runner.run(&strategy, test) {
        panic!("{error}");
    }
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
}

pub(super) fn fail(message: String) -> Result<(), TestCaseError> {
    Err(TestCaseError::fail(message))
}

pub(super) fn header_count(answer: &Answer, name: &str) -> Option<usize> {
    answer.header(name).and_then(|value| value.parse().ok())
}

pub(super) fn ids<'a>(orders: &[&'a OrderSpec]) -> Vec<&'a str> {
    orders.iter().map(|order| order.id.as_str()).collect()
}

/// A failure message for a list that differs from the oracle's: where, and what the orders
/// involved hold at the paths the query uses.
pub(super) fn list_difference(query: &QuerySpec, orders: &[OrderSpec], expected: &[&str], got: &[String]) -> String {
    let got: Vec<&str> = got.iter().map(String::as_str).collect();
    let mut message = format!("GET {}\n", query.url());
    let first = expected.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(expected.len().min(got.len()));
    let window = |ids: &[&str]| format!("{:?}", &ids[first.saturating_sub(2).min(ids.len())..(first + 3).min(ids.len())]);
    message += &format!("  {} ids expected, {} served; first difference at position {first}\n", expected.len(), got.len());
    message += &format!("  expected around it: {}\n  served around it:   {}\n", window(expected), window(&got));
    let expected_set: BTreeSet<&str> = expected.iter().copied().collect();
    let got_set: BTreeSet<&str> = got.iter().copied().collect();
    let missing: Vec<&str> = expected_set.difference(&got_set).copied().collect();
    let unexpected: Vec<&str> = got_set.difference(&expected_set).copied().collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        message += &format!("  expected but not served: {missing:?}\n  served but not expected: {unexpected:?}\n");
    }
    let mut involved: Vec<&str> = missing.iter().chain(&unexpected).take(8).copied().collect();
    involved.extend(expected.get(first).into_iter().chain(got.get(first)).copied());
    let leaves = query.leaves();
    message += "  the orders involved, at the paths the query uses:\n";
    for id in involved.iter().collect::<BTreeSet<_>>() {
        if let Some(order) = orders.iter().find(|order| order.id == **id) {
            message += &format!("    {}\n", order.describe(&leaves));
        }
    }
    message += &format!("  expected ids: {expected:?}\n  served ids:   {got:?}");
    message
}

/// The answer to a list query, compared with the oracle: status, ids in order, counts, and
/// with `fields`, the members of each order.
pub(super) fn check_answer(
    query: &QuerySpec,
    orders: &[OrderSpec],
    answer: &Answer,
    documents: &BTreeMap<String, Value>,
) -> Result<(), TestCaseError> {
    let url = query.url();
    if answer.status != 200 {
        return fail(format!("GET {url}\n  answered {}: {}", answer.status, answer.body));
    }
    let matching = oracle(orders, query);
    let expected = page(&matching, query.offset.unwrap_or(0), query.limit.unwrap_or(DEFAULT_LIMIT as u64));
    let expected_ids = ids(&expected);
    let got = answer.ids();
    if got != expected_ids {
        return fail(list_difference(query, orders, &expected_ids, &got));
    }
    let counts = (header_count(answer, "x-total-count"), header_count(answer, "x-result-count"));
    if counts != (Some(matching.len()), Some(expected.len())) {
        return fail(format!(
            "GET {url}\n  X-Total-Count, X-Result-Count: expected {:?}, served {counts:?}",
            (matching.len(), expected.len())
        ));
    }
    if let Some(fields) = &query.fields {
        let served = answer.json();
        for (order, object) in expected.iter().zip(served.as_array().expect("a list")) {
            let wanted: BTreeSet<&str> = order.members().into_iter().filter(|member| *member == "id" || fields.contains(member)).collect();
            let object = object.as_object().expect("an object");
            let members: BTreeSet<&str> = object.keys().map(String::as_str).collect();
            if members != wanted {
                return fail(format!("GET {url}\n  order {:?}: members {wanted:?} expected, {members:?} served", order.id));
            }
            for (name, value) in object {
                if Some(value) != documents[&order.id].get(name) {
                    return fail(format!(
                        "GET {url}\n  order {:?}: {name} is {value}, but the whole order has {}",
                        order.id, documents[&order.id]
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The served order is the imported one, date-times moved to UTC (`Z`), same instants.
pub(super) fn same_document(sent: &Value, served: &Value, path: &str) -> Result<(), String> {
    match (sent, served) {
        (Value::Object(a), Value::Object(b)) => {
            let (a_keys, b_keys): (BTreeSet<&String>, BTreeSet<&String>) = (a.keys().collect(), b.keys().collect());
            if a_keys != b_keys {
                return Err(format!("{path}: members {a_keys:?} imported, {b_keys:?} served"));
            }
            a.iter().try_for_each(|(name, value)| same_document(value, &b[name], &format!("{path}.{name}")))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().try_for_each(|(index, (x, y))| same_document(x, y, &format!("{path}[{index}]")))
        }
        (Value::String(a), Value::String(b)) => match (OffsetDateTime::parse(a, &Rfc3339), OffsetDateTime::parse(b, &Rfc3339)) {
            (Ok(x), Ok(y)) if x.unix_timestamp_nanos() == y.unix_timestamp_nanos() && b.ends_with('Z') => Ok(()),
            (Ok(_), _) => Err(format!("{path}: {a:?} imported, {b:?} served (expected the same instant in UTC, written with Z)")),
            _ if a == b => Ok(()),
            _ => Err(format!("{path}: {a:?} imported, {b:?} served")),
        },
        _ => Err(format!("{path}: {sent} imported, {served} served")),
    }
}
