//! What an import writes for each order, computed on a thread of its own while the batch
//! before is written: serializing documents and building rows took about 45% of an import's
//! writing phase on the same thread as the writes (docs/performance.md, step 21). Documents are
//! packed here too (step 22).

use std::ops::Range;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::columns::{Row, appointment_rows, milestone_rows, order_row};
use super::kept_counts::CountedAs;
use super::packed_documents;
use crate::domain::order::Order;

/// An order as the import writes it.
pub(super) struct PreparedOrder {
    pub id: String,
    /// The document, compared with the one stored before.
    pub document: String,
    /// The document as the change log stores it.
    pub packed: Vec<u8>,
    pub row: Row,
    pub appointments: Vec<Row>,
    pub milestones: Vec<Row>,
    pub counted: CountedAs,
}

impl PreparedOrder {
    fn of(order: &Order) -> PreparedOrder {
        let document = order.to_document().0.into_string();
        PreparedOrder {
            id: order.id.clone(),
            packed: packed_documents::pack(&document),
            document,
            row: order_row(order),
            appointments: appointment_rows(order),
            milestones: milestone_rows(order),
            counted: CountedAs::of(order),
        }
    }
}

/// Batches a writer can take while the next ones are prepared: enough to keep it busy, few
/// enough that a large import never holds more than a few batches twice.
const BATCHES_AHEAD: usize = 2;

/// Prepares `batches` (ranges of `in_order`, positions in `orders`), in order, on a blocking
/// thread. The receiver ends after the last batch, or early if the preparer panicked: the
/// handle then tells which. Dropping the receiver stops the preparer at its next batch.
pub(super) fn prepare_ahead(
    orders: Vec<Order>,
    in_order: Vec<usize>,
    batches: Vec<Range<usize>>,
) -> (mpsc::Receiver<Vec<PreparedOrder>>, JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(BATCHES_AHEAD);
    let preparer = tokio::task::spawn_blocking(move || {
        for batch in batches {
            let prepared = in_order[batch].iter().map(|&position| PreparedOrder::of(&orders[position])).collect();
            if sender.blocking_send(prepared).is_err() {
                return; // the writer gave up: the import failed
            }
        }
    });
    (receiver, preparer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate::generate_orders;

    #[tokio::test]
    async fn batches_come_in_their_order_with_each_order_as_it_is_stored() {
        let orders = generate_orders(5, 9);
        let expected: Vec<Vec<(String, String)>> = [vec![3, 1], vec![4, 0, 2]]
            .iter()
            .map(|batch| batch.iter().map(|&i: &usize| (orders[i].id.clone(), orders[i].to_document().as_str().to_owned())).collect())
            .collect();
        let (mut receiver, preparer) = prepare_ahead(orders, vec![3, 1, 4, 0, 2], vec![0..2, 2..5]);
        let mut received = Vec::new();
        while let Some(batch) = receiver.recv().await {
            received.push(batch.into_iter().map(|order| (order.id, order.document)).collect::<Vec<_>>());
        }
        preparer.await.unwrap();
        assert_eq!(received, expected);
    }

    #[tokio::test]
    async fn a_writer_that_gives_up_stops_the_preparer() {
        let batches = (0..100).map(|n| n..n + 1).collect();
        let (mut receiver, preparer) = prepare_ahead(generate_orders(100, 9), (0..100).collect(), batches);
        assert!(receiver.recv().await.is_some());
        drop(receiver);
        // It ends (instead of blocking on a full channel) once its next batch finds no writer.
        preparer.await.unwrap();
    }
}
