//! Whether a callback URL may receive webhooks: checked when a subscription is made, and its
//! addresses again at every connection (`addresses.rs`).

use reqwest::Url;

use super::addresses;

/// Longer callbacks are refused.
const MAX_CALLBACK_BYTES: usize = 2048;

/// The callback, parsed, or what is wrong with it and what to do.
pub async fn check_callback(callback: &str, allow_private: bool) -> Result<Url, String> {
    if callback.len() > MAX_CALLBACK_BYTES {
        return Err(format!("must be at most {MAX_CALLBACK_BYTES} bytes long"));
    }
    let url = checked_url(callback, allow_private)?;
    let host = url.host_str().unwrap_or_default();
    addresses::resolve(host, url.port_or_known_default().unwrap_or(443), allow_private).await?;
    Ok(url)
}

/// The URL's form alone: an absolute https URL (http too, where private callbacks are allowed)
/// with a host and no credentials.
pub fn checked_url(callback: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(callback)
        .map_err(|error| format!("{callback:?} is not an absolute URL ({error}); give one such as https://example.com/hook"))?;
    let scheme_ok = url.scheme() == "https" || (allow_private && url.scheme() == "http");
    if !scheme_ok {
        return Err(format!("{callback:?} is not an https URL; callbacks are https (--webhook-allow-private allows http for local work)"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{callback:?} names no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password: authenticate the webhook by its signature".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callbacks_are_https_urls_to_public_hosts() {
        for (callback, problem) in [
            ("not a url", "not an absolute URL"),
            ("http://example.com/hook", "not an https URL"),
            ("ftp://example.com/hook", "not an https URL"),
            ("https://user:pw@example.com/hook", "user name or password"),
            ("https://127.0.0.1/hook", "not a public address"),
            ("https://[::ffff:192.168.0.1]/hook", "not a public address"),
            ("https://localhost:8443/hook", "not a public address"),
        ] {
            let error = check_callback(callback, false).await.unwrap_err();
            assert!(error.contains(problem), "{callback}: {error}");
        }
        assert!(check_callback("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(checked_url("https://8.8.8.8/hook", false).is_ok());
    }
}
