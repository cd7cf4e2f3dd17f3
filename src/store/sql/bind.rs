//! Values bound to built statements, and the sqlx arguments made of them.

use sqlx::{Arguments, Database};

use crate::store::{StoreError, StoreResult};

/// A value to bind, in placeholder order. A null keeps its type: PostgreSQL needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Blob(Option<Vec<u8>>),
}

impl Bind {
    pub fn text(value: impl Into<String>) -> Bind {
        Bind::Text(Some(value.into()))
    }

    pub fn int(value: i64) -> Bind {
        Bind::Int(Some(value))
    }

    pub fn blob(value: Vec<u8>) -> Bind {
        Bind::Blob(Some(value))
    }
}

/// Arguments for a statement built at run time.
pub fn arguments<'q, DB>(binds: &[Bind]) -> StoreResult<DB::Arguments<'q>>
where
    DB: Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    owned_arguments::<DB>(binds.iter().cloned())
}

/// Arguments that take their values over: an import's documents and rows are not copied again.
pub fn owned_arguments<'q, DB>(binds: impl IntoIterator<Item = Bind>) -> StoreResult<DB::Arguments<'q>>
where
    DB: Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut arguments = DB::Arguments::default();
    for bind in binds {
        let added = match bind {
            Bind::Text(text) => arguments.add(text),
            Bind::Int(value) => arguments.add(value),
            Bind::Blob(bytes) => arguments.add(bytes),
        };
        added.map_err(StoreError::Backend)?;
    }
    Ok(arguments)
}
