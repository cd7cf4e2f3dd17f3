//! `serve --tls-cert --tls-key`: https from PEM files, and a renewed certificate taken on SIGHUP
//! without a restart (the connections already open keep theirs).

use crate::support::*;

/// A self-signed certificate for 127.0.0.1, as PEM: the certificate and the key.
fn certificate(name: &str) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("parameters");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let key = rcgen::KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key).expect("a certificate");
    (cert.pem(), key.serialize_pem())
}

/// The status of `GET base/healthz` by a client that trusts only `root` (PEM), or the error.
fn health(base: &str, root: &str) -> Result<u16, String> {
    let root = reqwest::Certificate::from_pem(root.as_bytes()).expect("a PEM certificate");
    block_on(async {
        // A new client each time: a kept connection would keep the certificate it began with.
        let client = reqwest::Client::builder().add_root_certificate(root).build().expect("a client");
        let response = client.get(format!("{base}/healthz")).send().await.map_err(|error| format!("{error:?}"))?;
        Ok(response.status().as_u16())
    })
}

fn send_hangup(server: &Server) {
    let status = Command::new("kill").args(["-HUP", &server._child.0.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

/// Waits for `text` in the server's log.
fn wait_for_log(server: &Server, text: &str) {
    let deadline = Instant::now() + DEADLINE;
    while !server.log().contains(text) {
        assert!(Instant::now() < deadline, "no log line {text:?}; log: {}", server.log());
        thread::sleep(StdDuration::from_millis(50));
    }
}

#[test]
fn https_is_served_and_a_renewed_certificate_is_taken_on_sighup() {
    let env = Env::new();
    let (first_cert, first_key) = certificate("first");
    let cert = env.write("cert.pem", &first_cert);
    let key = env.write("key.pem", &first_key);
    let server = env.serve(&["--tls-cert", &cert, "--tls-key", &key]);
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    assert_eq!(health(&server.base, &first_cert), Ok(200));

    let (second_cert, second_key) = certificate("second");
    assert!(health(&server.base, &second_cert).is_err(), "the second certificate is not served yet");
    std::fs::write(&cert, &second_cert).unwrap();
    std::fs::write(&key, &second_key).unwrap();
    let hangup = || send_hangup(&server);
    hangup();
    let deadline = Instant::now() + DEADLINE;
    while health(&server.base, &second_cert) != Ok(200) {
        assert!(Instant::now() < deadline, "the renewed certificate was not taken; log: {}", server.log());
        thread::sleep(StdDuration::from_millis(50));
    }
    assert!(health(&server.base, &first_cert).is_err(), "the first certificate is no longer served");

    // A bad file on SIGHUP: the certificate served so far stays, and the log says why.
    std::fs::write(&key, "not a key").unwrap();
    hangup();
    wait_for_log(&server, "kept the TLS certificate served so far");
    assert_eq!(health(&server.base, &second_cert), Ok(200), "still served");
}

#[test]
fn a_missing_or_bad_certificate_stops_the_start_with_the_flag_named() {
    let env = Env::new();
    let (cert, _) = certificate("only");
    let cert = env.write("cert.pem", &cert);
    let bad_key = env.write("key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    for args in [["--tls-cert", cert.as_str(), "--tls-key", bad_key.as_str()], ["--tls-cert", "missing.pem", "--tls-key", bad_key.as_str()]]
    {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(&args);
        let run = env.run(&all).assert_failure();
        assert!(run.stderr.contains("--tls-cert"), "{:?}: {}", args, run.stderr);
        assert!(run.stdout.is_empty(), "nothing served: {}", run.stdout);
    }
    let run = env.run(&["serve", "--listen", "127.0.0.1:0", "--tls-cert", &cert]).assert_failure();
    assert!(run.stderr.contains("--tls-key"), "{}", run.stderr);
}

#[test]
fn a_plain_http_server_outlives_a_sighup() {
    let env = Env::new();
    let server = env.serve(&[]);
    send_hangup(&server);
    wait_for_log(&server, "SIGHUP: nothing to reload");
    let answer = block_on(async { reqwest::get(format!("{}/healthz", server.base)).await.map(|r| r.status().as_u16()) });
    assert_eq!(answer.ok(), Some(200), "still serving; log: {}", server.log());
}
