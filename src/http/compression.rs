//! Compressed answers (`Accept-Encoding`: zstd, br, gzip), all through tower-http's encoders.
//!
//! Every route passes through tower-http's `CompressionLayer`, which compresses per response.
//! The order routes answer from the answer cache, so they compress once per cached answer
//! instead (`compress`), keep the result beside it, and send it with `Content-Encoding` set,
//! which the layer leaves alone.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Request, Response, header};
use tower::{Layer, ServiceExt};
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Smaller answers go as they are: below this, the framing costs about what it saves.
pub const COMPRESS_ABOVE_BYTES: u16 = 256;

/// An encoding the server produces, in the order it prefers them at equal weight: zstd, the
/// quickest to make and to read for about gzip's size, then br, then gzip (sizes and costs on
/// order pages: docs/performance-history.md, step 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Zstd,
    Brotli,
    Gzip,
}

impl Encoding {
    pub const ALL: [Encoding; 3] = [Encoding::Zstd, Encoding::Brotli, Encoding::Gzip];

    /// Its name in `Accept-Encoding` and `Content-Encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Zstd => "zstd",
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    /// Its place in `Encoding::ALL`, to keep one compressed form per encoding.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The encoding to send, by `Accept-Encoding` (RFC 9110 §12.5.3): the highest `q` above 0
    /// among those produced, `*` standing for any not listed; none without the header.
    pub fn negotiate(request_headers: &HeaderMap) -> Option<Encoding> {
        let mut weights: [Option<f32>; 3] = [None; 3];
        let mut any: Option<f32> = None;
        for value in request_headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok()) {
            for coding in value.split(',') {
                let mut parts = coding.split(';').map(str::trim);
                let name = parts.next().unwrap_or_default();
                let weight = parts
                    .find_map(|param| param.strip_prefix("q=").or_else(|| param.strip_prefix("Q=")))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)));
                let Some(weight) = weight else { continue };
                match Encoding::ALL.iter().find(|encoding| encoding.name().eq_ignore_ascii_case(name)) {
                    Some(encoding) => weights[encoding.index()] = Some(weight),
                    None if name == "*" => any = Some(weight),
                    None => {}
                }
            }
        }
        let mut best: Option<(Encoding, f32)> = None;
        for encoding in Encoding::ALL {
            let weight = weights[encoding.index()].or(any).unwrap_or(0.0);
            if weight > 0.0 && best.is_none_or(|(_, best_weight)| weight > best_weight) {
                best = Some((encoding, weight));
            }
        }
        best.map(|(encoding, _)| encoding)
    }
}

/// The layer of every route: compresses what is larger than `COMPRESS_ABOVE_BYTES` and not
/// already encoded, by the request's `Accept-Encoding`, and adds `Vary: Accept-Encoding`.
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Default)
        .compress_when(SizeAbove::new(COMPRESS_ABOVE_BYTES).and(NotForContentType::IMAGES).and(NotForContentType::SSE))
}

/// `body` compressed with `encoding` by the same layer, run once on a response of its own.
pub async fn compress(body: Bytes, encoding: Encoding) -> Result<Bytes, axum::Error> {
    let answer = tower::service_fn(move |_: Request<()>| {
        let body = body.clone();
        async move { Ok::<_, Infallible>(Response::new(Body::from(body))) }
    });
    let always = |_: axum::http::StatusCode, _: axum::http::Version, _: &HeaderMap, _: &axum::http::Extensions| true;
    let service = CompressionLayer::new().quality(CompressionLevel::Default).compress_when(always).layer(answer);
    let request = Request::builder().header(header::ACCEPT_ENCODING, encoding.name()).body(()).expect("a valid request");
    let response = service.oneshot(request).await.unwrap_or_else(|never| match never {});
    debug_assert_eq!(response.headers().get(header::CONTENT_ENCODING).map(HeaderValue::as_bytes), Some(encoding.name().as_bytes()));
    axum::body::to_bytes(Body::new(response.into_body()), usize::MAX).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(accept_encoding: &str) -> Option<Encoding> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept_encoding).unwrap());
        Encoding::negotiate(&headers)
    }

    #[test]
    fn the_highest_weight_wins_and_ties_go_to_zstd_then_br_then_gzip() {
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), None);
        assert_eq!(negotiate("gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("gzip, deflate, br, zstd"), Some(Encoding::Zstd));
        assert_eq!(negotiate("gzip, br"), Some(Encoding::Brotli));
        assert_eq!(negotiate("zstd;q=0.5, gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("GZIP;Q=0.8, br;q=0.9"), Some(Encoding::Brotli));
        assert_eq!(negotiate("*"), Some(Encoding::Zstd));
        assert_eq!(negotiate("*, zstd;q=0"), Some(Encoding::Brotli));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate("deflate"), None);
        assert_eq!(negotiate("gzip;q=0"), None);
        assert_eq!(negotiate("gzip;q=2"), None, "a weight out of range is ignored");
        assert_eq!(negotiate(""), None);
    }

    #[tokio::test]
    async fn compressing_once_gives_what_a_decoder_reads_back() {
        let body = Bytes::from("[{\"id\":\"1\",\"status\":\"Current\"}]".repeat(100));
        let gzip = compress(body.clone(), Encoding::Gzip).await.unwrap();
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut decoded).unwrap();
        assert_eq!(decoded.as_bytes(), &body[..]);
        assert!(gzip.len() < body.len() / 10, "{} bytes", gzip.len());
        let zstd = compress(body.clone(), Encoding::Zstd).await.unwrap();
        assert_eq!(zstd::decode_all(&zstd[..]).unwrap(), &body[..]);
    }
}
