//! Lists answered from the in-memory order indexes (`store::order_index`), on any SQL backend:
//! what an index needs from the database — the orders version, columns read in one snapshot
//! beside it, and the documents of a page by their numbers.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::TryStreamExt;
use rusqlite::OptionalExtension;
use sqlx::{Pool, Row};

use super::multi_row::placeholders;
use super::{Dialect, SqlStore, arguments};
use crate::domain::catalogue::{Field, FieldKind};
use crate::domain::order::OrderDocument;
use crate::query::OrderQuery;
use crate::store::document_cache::CustomerKey;
use crate::store::order_index::{self, Column, Load, Lookup, OrderIndex, OrderIndexes, SortSpec, TextBuilder};
use crate::store::packed_documents;
use crate::store::sql_query::Bind;
use crate::store::sqlite_direct::DirectReads;
use crate::store::{OrderPage, StoreError, StoreResult};

/// Customers with at most this many orders have their index loaded by the list that needs it
/// (milliseconds); larger ones in the background, while SQL answers.
const LOADED_WHILE_WAITING: u64 = 10_000;

/// The customer's orders version and number of orders (from the per-status counts), or no row.
const VERSION_AND_ORDERS: &str = "SELECT u.orders_version,
        (SELECT CAST(coalesce(sum(c.orders), 0) AS BIGINT) FROM order_counts c WHERE c.customer_id = u.id)
 FROM customers u WHERE u.id = $1";

/// One document by its number; the customer too, so that no index can show another's.
const DOCUMENT_BY_SEQ: &str = "SELECT doc FROM order_changes WHERE seq = $1 AND customer_id = $2";

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
    /// The page from the customer's in-memory index, when one holds `known_version` (the
    /// caller's, read with its credentials) or the orders version stored now (or can be loaded
    /// at once); `None` leaves the list to SQL.
    pub(super) async fn select_orders_indexed(
        &self,
        customer_id: &str,
        query: &OrderQuery,
        known_version: Option<i64>,
    ) -> StoreResult<Option<OrderPage>> {
        if !self.indexes.enabled() || !order_index::servable(query) {
            return Ok(None);
        }
        // At the version the caller read, the database need not be asked again.
        let ready = known_version.and_then(|version| self.indexes.ready(customer_id, version, query));
        let index = match ready {
            Some(index) => index,
            None => match self.lookup_stored_version(customer_id, query).await? {
                Some(index) => index,
                None => return Ok(self.deferred()),
            },
        };
        let Some(page) = index.page(query) else { return Ok(self.deferred()) };
        if let Some(spec) = page.wants_ordering
            && let Some(load) = self.indexes.claim_ordering(customer_id, &index, spec)
        {
            // The page is found without it; later ones walk it.
            self.load_in_background(load);
        }
        let Some((total, seqs)) = page.found else { return Ok(self.deferred()) };
        let Some(orders) = self.documents(customer_id, &seqs).await? else { return Ok(self.deferred()) };
        self.indexes.count_answer(true);
        Ok(Some(OrderPage { total, orders }))
    }

    /// The customer's index at the orders version stored now, loaded first if the customer is
    /// small enough to wait for it; `None` when it is not there (a load may have begun).
    async fn lookup_stored_version(&self, customer_id: &str, query: &OrderQuery) -> StoreResult<Option<Arc<OrderIndex>>> {
        let Some((version, orders)) = self.orders_version_and_count(customer_id).await? else { return Ok(None) };
        Ok(match self.indexes.lookup(customer_id, version, orders, query) {
            Lookup::Ready(index) => Some(index),
            Lookup::Unavailable => None,
            Lookup::Load(load) if orders > LOADED_WHILE_WAITING => {
                self.load_in_background(load);
                None
            }
            Lookup::Load(load) => Self::load(self.pool.clone(), self.direct.clone(), self.indexes.clone(), load).await,
        })
    }

    /// Carries out `load` in a task of its own, one such load at a time: a million orders'
    /// column passes through memory twice over on its way in.
    fn load_in_background(&self, load: Load) {
        let (pool, direct, indexes) = (self.pool.clone(), self.direct.clone(), self.indexes.clone());
        tokio::spawn(async move {
            let _one_at_a_time = indexes.background_load().await;
            Self::load(pool, direct, indexes.clone(), load).await
        });
    }

    fn deferred(&self) -> Option<OrderPage> {
        self.indexes.count_answer(false);
        None
    }

    /// The customer's orders version and number of orders: `None` for an unknown customer.
    async fn orders_version_and_count(&self, customer_id: &str) -> StoreResult<Option<(i64, u64)>> {
        let read = |connection: &rusqlite::Connection| {
            connection.prepare_cached(VERSION_AND_ORDERS)?.query_row([customer_id], |row| Ok((row.get(0)?, row.get(1)?))).optional()
        };
        let found: Option<(i64, i64)> = match self.direct.as_ref().and_then(|direct| direct.read(read)) {
            Some(found) => found,
            None => sqlx::query(VERSION_AND_ORDERS)
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
                .transpose()?,
        };
        Ok(found.map(|(version, orders)| (version, orders.max(0) as u64)))
    }

    /// The documents numbered `seqs` of the customer's, in that order: those kept in memory,
    /// the others read (and kept); `None` if one is not there (the index is then not to be
    /// trusted for this page).
    async fn documents(&self, customer_id: &str, seqs: &[i64]) -> StoreResult<Option<Vec<OrderDocument>>> {
        let customer = CustomerKey::of(customer_id);
        let mut packed: Vec<Option<Box<[u8]>>> = seqs.iter().map(|&seq| self.documents.get(customer, seq)).collect();
        let missing: Vec<i64> = seqs.iter().zip(&packed).filter(|(_, kept)| kept.is_none()).map(|(&seq, _)| seq).collect();
        if !missing.is_empty() {
            let Some(read) = self.read_documents(customer_id, &missing).await? else { return Ok(None) };
            let mut read = read.into_iter();
            for (&seq, slot) in seqs.iter().zip(&mut packed) {
                if slot.is_none() {
                    *slot = read.next().map(|stored| {
                        self.documents.keep(customer, seq, &stored);
                        stored.into_boxed_slice()
                    });
                }
            }
        }
        let Some(packed) = packed.into_iter().collect::<Option<Vec<_>>>() else { return Ok(None) };
        let documents = packed.iter().map(|stored| packed_documents::unpack(stored).map(|json| OrderDocument(json.into())));
        Ok(Some(documents.collect::<Result<_, _>>().map_err(|error| StoreError::Backend(Box::new(error)))?))
    }

    /// The stored documents numbered `seqs` of the customer's, in that order; `None` if one is
    /// not there.
    async fn read_documents(&self, customer_id: &str, seqs: &[i64]) -> StoreResult<Option<Vec<Vec<u8>>>> {
        let read = |connection: &rusqlite::Connection| {
            // One read transaction for the page, not one per document: each takes the file's locks.
            let transaction = connection.unchecked_transaction()?;
            let mut statement = transaction.prepare_cached(DOCUMENT_BY_SEQ)?;
            let documents = seqs
                .iter()
                .map(|&seq| statement.query_row((seq, customer_id), |row| row.get::<_, Vec<u8>>(0)).optional())
                .collect::<rusqlite::Result<Option<Vec<Vec<u8>>>>>()?;
            drop(statement);
            transaction.commit()?;
            Ok(documents)
        };
        match self.direct.as_ref().and_then(|direct| direct.read(read)) {
            Some(stored) => Ok(stored),
            None => self.documents_from_pool(customer_id, seqs).await,
        }
    }

    async fn documents_from_pool(&self, customer_id: &str, seqs: &[i64]) -> StoreResult<Option<Vec<Vec<u8>>>> {
        if seqs.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let sql = format!(
            "SELECT seq, doc FROM order_changes WHERE customer_id = {} AND seq IN ({})",
            placeholders(DB::PLACEHOLDER, 1, 1),
            placeholders(DB::PLACEHOLDER, 2, seqs.len())
        );
        let binds: Vec<Bind> = std::iter::once(Bind::text(customer_id)).chain(seqs.iter().map(|&seq| Bind::int(seq))).collect();
        let rows = sqlx::query_with(&sql, arguments::<DB>(&binds)?).fetch_all(&self.pool).await?;
        let mut by_seq: HashMap<i64, Vec<u8>> = rows.iter().map(|row| (row.get::<i64, _>(0), row.get::<Vec<u8>, _>(1))).collect();
        Ok(seqs.iter().map(|seq| by_seq.remove(seq)).collect())
    }

    /// Carries out `load` and ends it, keeping what it built within the budget. Ended too when
    /// dropped halfway (a list whose caller went away): the next list loads again.
    async fn load(pool: Pool<DB>, direct: Option<Arc<DirectReads>>, indexes: Arc<OrderIndexes>, load: Load) -> Option<Arc<OrderIndex>> {
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
                    Values::Text(builder) => builder.finish(),
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
