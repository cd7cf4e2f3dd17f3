//! The log: one line per request with its id, and never a secret.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use crate::harness::{Backend, ORDERS, TestApp, backend_tests};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every test process logs here once this has been called (tests of other modules too).
fn captured_logs() -> &'static Capture {
    static LOGS: OnceLock<Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt().with_env_filter("debug").with_ansi(false).with_writer(move || writer.clone()).try_init().ok();
        capture
    })
}

fn logs() -> String {
    String::from_utf8_lossy(&captured_logs().0.lock().unwrap()).into_owned()
}

async fn each_request_logs_one_line_with_its_id_and_no_secret(backend: Backend) {
    captured_logs();
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let answer = app.get_authorized(&token, &tenant.api_key, &format!("{ORDERS}?limit=5")).await;
    let refused = app.request_token(&tenant.client_id, &format!("{}x", tenant.client_secret)).await;

    let logs = logs();
    let request_id = answer.header("x-oapi-request-id").unwrap();
    let lines: Vec<&str> = logs.lines().filter(|line| line.contains(request_id) && line.contains("status=")).collect();
    assert_eq!(lines.len(), 1, "one line for the request: {lines:?}");
    for part in
        ["method=GET", "path=/order-tracking/b2b/v1/orders", "status=200", "latency_ms=", &format!("customer_id={}", tenant.customer_id)]
    {
        assert!(lines[0].contains(part), "{part} in {}", lines[0]);
    }
    // The failed authentication is logged, under the request's id, with the client id.
    let refused_id = refused.header("x-oapi-request-id").unwrap();
    assert!(
        logs.lines()
            .any(|line| line.contains(refused_id) && line.contains("client authentication failed") && line.contains(&tenant.client_id)),
        "the failure is logged with the request id"
    );
    for secret in [&tenant.client_secret, &tenant.api_key, &token] {
        assert!(!logs.contains(secret.as_str()), "a secret reached the log");
    }
}

backend_tests!(each_request_logs_one_line_with_its_id_and_no_secret,);
