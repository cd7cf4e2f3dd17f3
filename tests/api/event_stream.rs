//! The live stream of order events (issue #31): the feed's URL with `Accept: text/event-stream`
//! sends the events as Server-Sent Events, resumes after `Last-Event-ID`, and ends when the server
//! shuts down, so that the shutdown is not held up.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{Backend, Tenant, TestApp, backend_tests, order};

const EVENTS: &str = "/order-tracking/b2b/v1/events";

/// An open stream, read event by event: (`id`, the parsed `data`).
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, tenant: &Tenant, query: &str, last_event_id: Option<&str>) -> Stream {
        let token = app.token(tenant).await;
        let mut request = app
            .http
            .get(app.url(&format!("{EVENTS}{query}")))
            .bearer_auth(token)
            .header("x-api-key", &tenant.api_key)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream { response, buffer: String::new() }
    }

    /// The next event; none when the stream ended. Panics after 20 s (a deadline, not a measure).
    async fn next(&mut self) -> Option<(i64, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| block.lines().find_map(|line| line.strip_prefix(name)).map(str::trim).map(str::to_owned);
                match (field("id:"), field("data:")) {
                    (Some(id), Some(data)) => return Some((id.parse().unwrap(), serde_json::from_str(&data).unwrap())),
                    _ => continue, // a keep-alive comment
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.response.chunk()).await.expect("an event within 20 s");
            match chunk.unwrap() {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return None,
            }
        }
    }
}

async fn events_stream_live_resume_and_end_with_the_server(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    app.import(&acme, &[order("S-1"), order("S-2")]).await;

    let mut everything = Stream::open(&app, &acme, "", None).await;
    let mut closed = Stream::open(&app, &acme, "?eventType=OrderStateChangeEvent&status=Closed", None).await;
    let mut theirs = Stream::open(&app, &other, "", None).await;
    assert_eq!(everything.next().await.map(|(id, event)| (id, event["event"]["order"]["id"].clone())), Some((1, "S-1".into())));
    assert_eq!(everything.next().await.unwrap().0, 2);

    // Live: an import now arrives on the open stream, as the feed gives it.
    let mut closing = order("S-2");
    closing["status"] = "Closed".into();
    app.import(&acme, &[closing]).await;
    let (id, event) = everything.next().await.unwrap();
    let (closed_id, closed_event) = closed.next().await.unwrap();
    assert_eq!((id, closed_id), (3, 3), "the filtered stream skips the creations");
    assert_eq!(event, closed_event);
    let feed = app.get_as(&acme, &format!("{EVENTS}?after=2")).await.json();
    assert_eq!(event, feed[0], "the same JSON as the feed");

    // A reconnect resumes after Last-Event-ID; a bad one is named.
    let mut resumed = Stream::open(&app, &acme, "?after=0", Some("2")).await;
    assert_eq!(resumed.next().await.unwrap().0, 3);
    let token = app.token(&acme).await;
    let bad = app
        .get_with(
            EVENTS,
            &[
                ("authorization", &format!("Bearer {token}")),
                ("x-api-key", &acme.api_key),
                ("accept", "text/event-stream"),
                ("last-event-id", "x"),
            ],
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, 26), "{}", bad.body);

    // The server's shutdown ends every stream, and another customer never saw Acme's events.
    app.stop();
    for stream in [&mut everything, &mut closed, &mut resumed] {
        assert!(stream.next().await.is_none(), "the stream ends with the server");
    }
    assert!(theirs.next().await.is_none(), "nothing of Acme's in Other's stream");
}

backend_tests!(events_stream_live_resume_and_end_with_the_server);
