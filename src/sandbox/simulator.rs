//! The simulator: every Current order of the sandbox's customers takes its next step of life
//! (`life::step`) at a simulated instant drawn from the seed and the order, 6 to 48 simulated hours
//! after its last change. Moving the clock applies every step that falls inside, in order of
//! their instants, each through the store's one write path. Nothing is drawn from real time, so
//! the same seed and the same clock moves give the same orders and the same changes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::clock::SimClock;
use super::dice::fnv1a;
use super::life;
use crate::demo::generate::generate_orders;
use crate::domain::order::{MilestoneStatus, Order, OrderStatus};
use crate::query::{Limits, parse_query};
use crate::store::{Precondition, Store, StoreError, StoreResult};

pub struct Simulator {
    pub clock: SimClock,
    seed: u64,
    /// Where the simulation began: an order last changed before it takes its first step after it.
    start: OffsetDateTime,
    /// One catch-up at a time.
    running: tokio::sync::Mutex<()>,
    /// New orders arrived so far.
    arrived: tokio::sync::Mutex<u64>,
    store: Arc<dyn Store>,
    limits: Limits,
}

impl Simulator {
    pub fn new(clock: SimClock, seed: u64, store: Arc<dyn Store>, limits: Limits) -> Self {
        let start = clock.now();
        Simulator { clock, seed, start, running: tokio::sync::Mutex::new(()), arrived: tokio::sync::Mutex::new(0), store, limits }
    }

    /// Applies every step due up to the clock's now; how many were written. One run at a time.
    pub async fn catch_up(&self) -> StoreResult<u64> {
        let _one_at_a_time = self.running.lock().await;
        let target = self.clock.now();
        // The orders whose steps fall by `target`, earliest first (then by customer and id).
        let mut orders: Vec<Order> = Vec::new();
        let mut due = BinaryHeap::new();
        for customer in self.store.list_customers().await? {
            for order in self.current_orders(&customer.id).await? {
                let at = self.due(&order);
                if at <= target {
                    due.push(Reverse((at, customer.id.clone(), order.id.clone(), orders.len())));
                    orders.push(order);
                }
            }
        }
        // The new orders arriving by then, in the same queue: their creation is a change too.
        let mut arriving = std::collections::HashSet::new();
        for (at, customer_id, order) in self.arrivals(target).await? {
            due.push(Reverse((at, customer_id, order.id.clone(), orders.len())));
            arriving.insert(orders.len());
            orders.push(order);
        }
        let mut written = 0;
        while let Some(Reverse(first)) = due.pop() {
            // The changes due within the shortest wait of the first are written at once (the
            // store commits them together, in this order): none of them can be due again before
            // the last of them, so the changes stay in the order of their instants.
            let mut batch = vec![first];
            while let Some(Reverse(next)) = due.peek() {
                if next.0 >= batch[0].0 + MIN_WAIT || batch.len() == BATCH {
                    break;
                }
                batch.push(due.pop().expect("peeked").0);
            }
            let writes = batch.iter().map(|(at, customer_id, _, index)| {
                let order = &orders[*index];
                let (next, precondition) = match arriving.contains(index) {
                    true => (Some(order.clone()), None),
                    false => {
                        let read = order.to_document();
                        let unchanged: Precondition = Box::new(move |now: Option<&str>| now == Some(read.as_str()));
                        (life::step(order, *at, self.draw(order)), Some(unchanged))
                    }
                };
                async move {
                    let Some(next) = next else { return Ok(None) };
                    match self.store.put_order(customer_id, next.clone(), precondition).await {
                        Ok(_) => Ok(Some(next)),
                        // Changed meanwhile (by the admin API, say): its next step is drawn from the new one, next time.
                        Err(StoreError::PreconditionFailed) => Ok(None),
                        Err(error) => Err(error),
                    }
                }
            });
            let outcomes = futures_util::future::join_all(writes).await;
            for ((_, customer_id, id, index), outcome) in batch.into_iter().zip(outcomes) {
                arriving.remove(&index);
                let Some(next) = outcome? else { continue };
                written += 1;
                if next.status == OrderStatus::Current {
                    let again = self.due(&next);
                    if again <= target {
                        due.push(Reverse((again, customer_id, id, index)));
                    }
                }
                orders[index] = next;
            }
        }
        Ok(written)
    }

    /// The new orders due by `target`, one every `ARRIVAL_EVERY` from the start, each to a
    /// customer in turn, with when and for whom; an id already taken is passed over.
    async fn arrivals(&self, target: OffsetDateTime) -> StoreResult<Vec<(OffsetDateTime, String, Order)>> {
        let customers = self.store.list_customers().await?;
        let mut arrived = self.arrived.lock().await;
        let mut arrivals = Vec::new();
        while !customers.is_empty() {
            let at = self.start + ARRIVAL_EVERY * (*arrived as i32 + 1);
            if at > target {
                break;
            }
            let customer = &customers[(*arrived % customers.len() as u64) as usize];
            let order = arrival(*arrived, self.seed, at);
            if self.store.get_order(&customer.id, &order.id).await?.is_none() {
                arrivals.push((at, customer.id.clone(), order));
            }
            *arrived += 1;
        }
        Ok(arrivals)
    }

    /// When the order's next step falls: 6 to 48 simulated hours after its last change, or after
    /// the start for an order that last changed before the simulation began.
    fn due(&self, order: &Order) -> OffsetDateTime {
        let wait = MIN_WAIT + Duration::minutes((self.draw(order) % (42 * 60)) as i64);
        last_change(order).max(self.start) + wait
    }

    /// The draw of the order's next step, from the seed, the order and its last change: when the
    /// step falls, and what it does (`life::step`). The same for the same order at the same point.
    pub fn draw(&self, order: &Order) -> u64 {
        let hash = fnv1a(self.seed.to_le_bytes().iter().chain(order.id.as_bytes()));
        fnv1a(hash.to_le_bytes().iter().chain(&last_change(order).unix_timestamp_nanos().to_le_bytes()))
    }

    async fn current_orders(&self, customer_id: &str) -> StoreResult<Vec<Order>> {
        let mut orders = Vec::new();
        loop {
            let raw = format!("status=Current&sort=id&limit={}&offset={}", self.limits.max_limit, orders.len());
            let query = parse_query(&raw, self.limits).expect("a query the sandbox writes is valid");
            let page = self.store.list_orders(customer_id, &query, None).await?;
            let count = page.orders.len();
            for document in page.orders {
                orders.push(serde_json::from_str(document.as_str()).map_err(|error| StoreError::Backend(Box::new(error)))?);
            }
            if count == 0 || orders.len() as u64 >= page.total {
                return Ok(orders);
            }
        }
    }
}

/// The shortest wait between two steps of an order (see `Simulator::due`).
const MIN_WAIT: Duration = Duration::hours(6);
/// The most changes written at once.
const BATCH: usize = 256;

/// A steady rate of new orders: two a simulated day.
pub const ARRIVAL_EVERY: Duration = Duration::hours(12);

/// The `index`-th new order, placed `at`: a generated order's product, site and request, just
/// acknowledged, its first milestone Done, no appointment yet (they are booked when the work starts).
fn arrival(index: u64, seed: u64, at: OffsetDateTime) -> Order {
    let template = generate_orders(1, seed.wrapping_mul(1_000_003).wrapping_add(index)).remove(0);
    let mut milestones = template.milestones.unwrap_or_default();
    for (position, milestone) in milestones.iter_mut().enumerate() {
        milestone.status = Some(if position == 0 { MilestoneStatus::Done } else { MilestoneStatus::Pending });
        milestone.date = (position == 0).then_some(at);
    }
    let mut request = template.request;
    request.status = Some("Acknowledged".to_owned());
    Order {
        id: format!("9{index:07}"),
        status: OrderStatus::Current,
        order_date: at,
        last_update_date: Some(at),
        expected_completion_date: Some((at + Duration::days(21)).date()),
        completion_date: None,
        action: template.action,
        product: template.product,
        site: template.site,
        request,
        appointments: None,
        milestones: Some(milestones).filter(|milestones| !milestones.is_empty()),
    }
}

fn last_change(order: &Order) -> OffsetDateTime {
    order.last_update_date.unwrap_or(order.order_date)
}

/// Moves the simulation along with its clock, once a second, until the server stops.
pub async fn run(simulator: Arc<Simulator>, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopping.changed() => return,
        }
        if *stopping.borrow() {
            return;
        }
        if let Err(error) = simulator.catch_up().await {
            tracing::warn!(%error, "the sandbox simulator could not write its changes; it tries again in a second");
        }
    }
}
