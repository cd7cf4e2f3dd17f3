//! How a command fails: the one-line reason, details, and the exit status, from whatever went wrong.

use order_tracking_client::Error;

use crate::store::StoreError;

/// A command's failure: the one-line reason and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit: u8,
    /// Details printed before the reason (one problem a line), or as `problems` with `--json`.
    pub problems: Vec<serde_json::Value>,
}

/// Exit statuses: 1 the command failed (bad input, unknown id), 2 bad usage (clap's),
/// 3 the database is unavailable.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_UNAVAILABLE: u8 = 3;

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure { message: message.into(), exit: EXIT_FAILED, problems: Vec::new() }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let unavailable = error.chain().any(|cause| matches!(cause.downcast_ref::<StoreError>(), Some(StoreError::Unavailable(_))));
        let message = crate::http::error::error_chain(error.as_ref());
        Failure { message, exit: if unavailable { EXIT_UNAVAILABLE } else { EXIT_FAILED }, problems: Vec::new() }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::NotFound(what) => Failure::new(format!("{what} not found: check the id (admin customer list, admin key list)")),
            StoreError::Unavailable(_) => Failure {
                message: format!("{}; check --database and that nothing else holds the database", crate::http::error::error_chain(&error)),
                exit: EXIT_UNAVAILABLE,
                problems: Vec::new(),
            },
            _ => Failure::new(crate::http::error::error_chain(&error)),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let unavailable = matches!(error, Error::Transport { .. } | Error::RetriesExhausted { .. } | Error::RetryTooLate { .. })
            || error.status() == Some(503);
        Failure { message: error.to_string(), exit: if unavailable { EXIT_UNAVAILABLE } else { EXIT_FAILED }, problems: Vec::new() }
    }
}

/// Output to a closed pipe (`orders list | head`) ends the command quietly; other write
/// failures are failures.
pub fn write_failure(error: std::io::Error) -> Option<Failure> {
    (error.kind() != std::io::ErrorKind::BrokenPipe).then(|| Failure::new(format!("cannot write the output: {error}")))
}
