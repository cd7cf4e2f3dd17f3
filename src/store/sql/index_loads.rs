//! Loads of the in-memory order indexes from any SQL backend: the columns lists need, read in
//! one snapshot beside the orders version they show, each made compact before the next.

use std::sync::Arc;

use futures_util::TryStreamExt;
use rusqlite::OptionalExtension;
use sqlx::{Pool, Row};

use super::dialect::Dialect;
use super::store::SqlStore;
use crate::domain::catalogue::{Field, FieldKind};
use crate::store::StoreResult;
use crate::store::memory::order_index::{Column, Load, OrderIndex, OrderIndexes, SortSpec, TextBuilder};
use crate::store::sqlite::direct_reads::DirectReads;

/// A column's values as read, before they are made compact.
enum Values {
    Text(TextBuilder),
    /// `MISSING_INSTANT` where missing.
    Instants(Vec<i64>),
}

/// A missing instant as read: no stored one is this early (orders carry years 1900 to 2200).
const MISSING_INSTANT: i64 = i64::MIN;

/// A load under way, ended once whatever happens.
struct Loading {
    indexes: Option<Arc<OrderIndexes>>,
    customer_id: String,
}

impl Loading {
    fn end(mut self, built: Option<OrderIndex>) -> Option<Arc<OrderIndex>> {
        self.indexes.take().and_then(|indexes| indexes.loaded(&self.customer_id, built))
    }
}

impl Drop for Loading {
    fn drop(&mut self) {
        if let Some(indexes) = self.indexes.take() {
            indexes.loaded(&self.customer_id, None);
        }
    }
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(builder) => builder.len(),
            Values::Instants(values) => values.len(),
        }
    }
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    /// Carries out `load` and ends it, keeping what it built within the budget. Ended too when
    /// dropped halfway (a list whose caller went away): the next list loads again.
    pub(super) async fn load(
        pool: Pool<DB>,
        direct: Option<Arc<DirectReads>>,
        indexes: Arc<OrderIndexes>,
        load: Load,
    ) -> Option<Arc<OrderIndex>> {
        let customer_id = load.customer_id().to_owned();
        let loading = Loading { indexes: Some(indexes), customer_id: customer_id.clone() };
        let built = match load {
            Load::Ordering { base, spec, .. } => {
                let built =
                    tokio::task::spawn_blocking(move || base.build_ordering(&spec).map(|ordering| base.with_ordering(spec, ordering)));
                built.await.ok().flatten()
            }
            Load::Index { customer_id, version, fields, orderings } => {
                Self::read_index(&pool, direct, &customer_id, version, None, &fields, orderings).await
            }
            Load::Columns { customer_id, base, fields } => {
                Self::read_index(&pool, direct, &customer_id, base.version, Some(base), &fields, Vec::new()).await
            }
        };
        loading.end(built)
    }

    /// The index of the customer's orders at `version`, `base` with the columns of `fields`
    /// added (or a new one without `base`) and `orderings` built; `None` when the version stored
    /// is another one now, or reading failed (the lists stay SQL's). One read of the orders per
    /// column, each made compact before the next is read: a million orders' values, held all
    /// at once on their way in, took more memory than their index.
    async fn read_index(
        pool: &Pool<DB>,
        direct: Option<Arc<DirectReads>>,
        customer_id: &str,
        version: i64,
        base: Option<Arc<OrderIndex>>,
        fields: &[&'static Field],
        orderings: Vec<SortSpec>,
    ) -> Option<OrderIndex> {
        let read = |with_seqs, fields: &[&'static Field]| {
            let fields = fields.to_vec();
            let direct = direct.clone();
            async move {
                match Self::read_columns(pool, direct, customer_id, version, with_seqs, &fields).await {
                    Ok(read) => read,
                    Err(error) => {
                        tracing::warn!(customer_id, error = ?error, "could not load a list index; lists read SQL");
                        None
                    }
                }
            }
        };
        let mut index = match base {
            Some(base) => base,
            None => {
                let Read { seqs, .. } = read(true, &[]).await?;
                if seqs.contains(&MISSING_SEQ) {
                    tracing::warn!(customer_id, "an order without its document number; lists read SQL");
                    return None;
                }
                Arc::new(OrderIndex::new(version, seqs))
            }
        };
        for &field in fields {
            let Read { mut values, .. } = read(false, &[field]).await?;
            let values = values.pop()?;
            if values.len() != index.len() {
                return None; // the same version, but not the same orders: never, but not trusted
            }
            let base = index.clone();
            let built = tokio::task::spawn_blocking(move || {
                let column = match values {
                    Values::Text(builder) => Column::Text(builder.finish()),
                    Values::Instants(values) => Column::instants(values.iter().map(|&value| (value != MISSING_INSTANT).then_some(value))),
                };
                base.with_columns([(field, column)])
            });
            index = Arc::new(built.await.ok()?);
        }
        let built = tokio::task::spawn_blocking(move || {
            let mut index = Arc::unwrap_or_clone(index);
            for spec in orderings {
                if let Some(ordering) = index.build_ordering(&spec) {
                    index = index.with_ordering(spec, ordering);
                }
            }
            index
        });
        built.await.ok()
    }

    /// In one snapshot at `version`: the document numbers (`with_seqs`) and the values of
    /// `fields`, order by order in the order of the ids. `None` when the version moved on.
    /// Straight from the SQLite file where it can (a million orders' column: 2.4 s through
    /// sqlx's row hand-over), otherwise through the pool.
    async fn read_columns(
        pool: &Pool<DB>,
        direct: Option<Arc<DirectReads>>,
        customer_id: &str,
        version: i64,
        with_seqs: bool,
        fields: &[&'static Field],
    ) -> StoreResult<Option<Read>> {
        let sql = columns_sql(with_seqs, fields);
        if let Some(direct) = direct {
            let (sql, customer_id, fields) = (sql.clone(), customer_id.to_owned(), fields.to_vec());
            let read = move |connection: &rusqlite::Connection| {
                let transaction = connection.unchecked_transaction()?;
                let stored: Option<i64> = transaction.query_row(STORED_VERSION, [&customer_id], |row| row.get(0)).optional()?;
                if stored != Some(version) {
                    return Ok(None);
                }
                let mut read = Read::new(&fields);
                let mut statement = transaction.prepare(&sql)?;
                let mut rows = statement.query([&customer_id])?;
                while let Some(row) = rows.next()? {
                    let text = |at: usize, builder: &mut TextBuilder| {
                        let text = row.get_ref(at)?.as_str_or_null();
                        builder.push(text.map_err(|error| {
                            rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, Box::new(error))
                        })?);
                        Ok(())
                    };
                    read.push(with_seqs, |at| row.get::<_, Option<i64>>(at), text)?;
                }
                Ok(Some(read))
            };
            // `None` from the direct read: the file was busy, or it failed; the pool reads then.
            if let Ok(Some(read)) = tokio::task::spawn_blocking(move || direct.read(read)).await {
                return Ok(read);
            }
        }
        let mut tx = pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let stored: Option<i64> = sqlx::query_scalar(STORED_VERSION).bind(customer_id).fetch_optional(&mut *tx).await?;
        if stored != Some(version) {
            return Ok(None);
        }
        let mut read = Read::new(fields);
        {
            let mut rows = sqlx::query(&sql).bind(customer_id).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                let text = |at: usize, builder: &mut TextBuilder| {
                    builder.push(row.try_get::<Option<String>, _>(at)?.as_deref());
                    Ok::<_, sqlx::Error>(())
                };
                read.push(with_seqs, |at| row.try_get::<Option<i64>, _>(at), text)?;
            }
        }
        tx.commit().await?;
        Ok(Some(read))
    }
}

/// The customer's orders version, in the snapshot that reads the columns.
const STORED_VERSION: &str = "SELECT orders_version FROM customers WHERE id = $1";

/// The statement that reads the document numbers (`with_seqs`) and the columns of `fields`.
fn columns_sql(with_seqs: bool, fields: &[&'static Field]) -> String {
    let seqs = with_seqs.then(|| "o.doc_seq".to_owned());
    let selected: Vec<String> = seqs.into_iter().chain(fields.iter().map(|field| format!("o.{}", field.column))).collect();
    format!("SELECT {} FROM orders o WHERE o.customer_id = $1 ORDER BY o.id", selected.join(", "))
}

/// Document numbers and columns as read, row by row.
struct Read {
    /// [`MISSING_SEQ`] for an order without one: every order points at its document since
    /// migration 0009, so none but by damage.
    seqs: Vec<i64>,
    values: Vec<Values>,
}

/// A document number read as NULL.
const MISSING_SEQ: i64 = i64::MIN;

impl Read {
    fn new(fields: &[&'static Field]) -> Read {
        let values = fields
            .iter()
            .map(|field| match field.kind {
                FieldKind::Text => Values::Text(TextBuilder::default()),
                FieldKind::Date | FieldKind::DateTime => Values::Instants(Vec::new()),
            })
            .collect();
        Read { seqs: Vec::new(), values }
    }

    /// Adds one row, its values read by position (after the document number, `with_seqs`).
    fn push<E>(
        &mut self,
        with_seqs: bool,
        integer: impl Fn(usize) -> Result<Option<i64>, E>,
        text: impl Fn(usize, &mut TextBuilder) -> Result<(), E>,
    ) -> Result<(), E> {
        if with_seqs {
            self.seqs.push(integer(0)?.unwrap_or(MISSING_SEQ));
        }
        let first = usize::from(with_seqs);
        for (at, values) in self.values.iter_mut().enumerate() {
            match values {
                Values::Text(builder) => text(first + at, builder)?,
                Values::Instants(values) => {
                    values.push(integer(first + at)?.map_or(MISSING_INSTANT, |nanos| nanos.max(MISSING_INSTANT + 1)))
                }
            }
        }
        Ok(())
    }
}
