//! The `Admin` extractor: every admin call's `Authorization: Bearer adm_…`, hashed and looked up.
//! Customer tokens and API keys are never admin credentials: their prefixes differ.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::header::bearer_token;
use crate::auth::secret::{self, SecretKind};
use crate::http::error::ApiError;
use crate::http::state::AppState;

/// An admin call's token, by the name the operator gave it.
#[derive(Debug, Clone)]
pub struct Admin {
    pub name: String,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let authorization = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(ApiError::MissingAdminToken)?;
        let token = authorization.to_str().ok().and_then(bearer_token).ok_or(ApiError::InvalidAdminToken)?;
        if !secret::well_formed(SecretKind::AdminToken, token) {
            return Err(ApiError::InvalidAdminToken);
        }
        let found = state.store.find_admin_token(&secret::hash(token)).await?;
        let admin = found.filter(|found| found.revoked_at.is_none()).ok_or(ApiError::InvalidAdminToken)?;
        tracing::Span::current().record("admin", tracing::field::display(&admin.name));
        Ok(Admin { name: admin.name })
    }
}
