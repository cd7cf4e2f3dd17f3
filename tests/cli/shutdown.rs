//! Graceful shutdown: on SIGTERM or SIGINT, `serve` stops accepting connections, finishes the
//! requests in flight, and exits 0.

use std::net::{SocketAddr, TcpStream};

use crate::support::*;

/// Sends SIGTERM or SIGINT, as a service manager or Ctrl-C would.
fn signal(server: &Server, name: &str) {
    let pid = server._child.0.id().to_string();
    assert!(Command::new("kill").args([&format!("-{name}"), &pid]).status().expect("kill runs").success());
}

fn finishes_the_request_in_flight_then_exits_on(name: &str) {
    let env = Env::new();
    let tenant = env.tenant("Shutdown");
    let mut server = env.serve(&[]);
    let address: SocketAddr = server.base.trim_start_matches("http://").parse().expect("HOST:PORT");

    // A token request whose body is still arriving when the signal comes.
    let body = format!("grant_type=client_credentials&client_id={}&client_secret={}", tenant.client_id, tenant.client_secret);
    let (first, rest) = body.split_at(10);
    let mut in_flight = TcpStream::connect(address).expect("the server accepts");
    in_flight.set_read_timeout(Some(DEADLINE)).unwrap();
    let head = format!(
        "POST /oauth/v3/token HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).unwrap();
    in_flight.write_all(first.as_bytes()).unwrap();
    in_flight.flush().unwrap();
    thread::sleep(StdDuration::from_millis(200));

    signal(&server, name);
    // New connections are refused once the signal is handled...
    let deadline = Instant::now() + DEADLINE;
    while TcpStream::connect(address).is_ok() {
        assert!(Instant::now() < deadline, "the server still accepts connections after {name}");
        thread::sleep(StdDuration::from_millis(20));
    }
    // ...while the request in flight completes.
    in_flight.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).expect("the answer arrives");
    assert!(answer.starts_with("HTTP/1.1 200"), "the request in flight was answered: {answer}");
    assert!(answer.contains("\"access_token\":\"ota_"), "{answer}");

    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = server._child.0.try_wait().expect("waitable") {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit after {name}");
        thread::sleep(StdDuration::from_millis(20));
    };
    assert!(status.success(), "exit status after {name}: {status}; log: {}", server.log());
    assert!(server.log().contains("shutting down: finishing requests in flight"), "{}", server.log());
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    finishes_the_request_in_flight_then_exits_on("TERM");
}

#[test]
fn sigint_finishes_the_request_in_flight_then_exits_0() {
    finishes_the_request_in_flight_then_exits_on("INT");
}
