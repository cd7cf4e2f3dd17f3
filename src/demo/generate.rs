//! Deterministic generator of realistic Orange Business orders, for `serve --demo` and benchmarks.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::macros::datetime;
use time::{Date, OffsetDateTime};

use crate::domain::order::{
    Address, Appointment, AppointmentStatus, AppointmentType, Contact, Milestone, MilestoneStatus, Order, OrderAction, OrderRequest,
    OrderStatus, Product, Site,
};

use super::vocabulary::{
    CEASE_MILESTONES, CITIES, COMMENTS, FIRST_NAMES, LAST_NAMES, MILESTONES, ODD_REFERENCES, PRODUCTS, SITE_KINDS, STREETS,
};

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// Orders are placed between these instants; current ones mostly since `RECENT`, the others being stuck.
const FIRST_ORDER: i64 = datetime!(2024-01-01 0:00 UTC).unix_timestamp();
const LAST_ORDER: i64 = datetime!(2026-10-31 23:59:59 UTC).unix_timestamp();
const RECENT: i64 = datetime!(2026-04-01 0:00 UTC).unix_timestamp();
/// Nothing has happened to any order after this instant.
const LAST_UPDATE: i64 = datetime!(2026-11-25 18:00 UTC).unix_timestamp();
/// The "today" of the data: appointments from then on are still planned.
const NOW: i64 = datetime!(2026-11-26 0:00 UTC).unix_timestamp();

/// Order ids are `FIRST_ID + (index * ID_STRIDE + offset) % ID_SPACE`. The stride is coprime with the
/// space, so this is a bijection on the indexes below `ID_SPACE`: unique 6-to-8-digit ids, in no
/// particular order.
const FIRST_ID: u64 = 100_000;
const ID_SPACE: u64 = 100_000_000 - FIRST_ID;
const ID_STRIDE: u64 = 61_803_401;

/// The customer's sites and Orange contacts recur across orders, as in real life; the pools do not
/// depend on `count`, so a shorter stream is a prefix of a longer one.
const SITE_POOL: usize = 400;
const CONTACT_POOL: usize = 30;
/// How often an order belongs to the same request as the previous one (same request, same second).
const SHARED_REQUEST: f64 = 0.08;

static ACTIONS: &[(u32, Option<OrderAction>)] = &[
    (65, Some(OrderAction::Add)),
    (15, Some(OrderAction::Modify)),
    (8, Some(OrderAction::Move)),
    (7, Some(OrderAction::Cease)),
    (5, None),
];
static CURRENT_PROGRESS: &[(u32, Option<&str>)] =
    &[(50, Some("In progress")), (20, Some("Acknowledged")), (15, Some("Pending customer")), (8, Some("Held")), (7, None)];
static CLOSED_PROGRESS: &[(u32, Option<&str>)] = &[(80, Some("Completed")), (10, Some("Cancelled")), (5, Some("Rejected")), (5, None)];
static PAST_APPOINTMENTS: &[(u32, AppointmentStatus)] =
    &[(80, AppointmentStatus::Done), (8, AppointmentStatus::Cancelled), (12, AppointmentStatus::Rescheduled)];

/// Generates `count` realistic orders, the same ones for the same `seed`.
pub fn generate_orders(count: usize, seed: u64) -> Vec<Order> {
    order_stream(count, seed).collect()
}

/// Same but streaming, so a benchmark can write 1,000,000 orders without holding them all.
/// The first `n` orders of a stream do not depend on `count`.
pub fn order_stream(count: usize, seed: u64) -> impl Iterator<Item = Order> {
    assert!(count as u64 <= ID_SPACE, "at most {ID_SPACE} orders have distinct ids");
    let mut generator = Generator::new(seed);
    (0..count).map(move |index| generator.order(index as u64))
}

struct Generator {
    rng: StdRng,
    id_offset: u64,
    sites: Vec<Site>,
    contacts: Vec<Contact>,
    /// Status, order instant and request that the next order shares, when it does.
    shared: Option<(OrderStatus, i64, OrderRequest)>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let id_offset = rng.random_range(0..ID_SPACE);
        let sites = (0..SITE_POOL).map(|number| site(&mut rng, number)).collect();
        let contacts = (0..CONTACT_POOL).map(|_| contact(&mut rng)).collect();
        Self { rng, id_offset, sites, contacts, shared: None }
    }

    fn order(&mut self, index: u64) -> Order {
        let id = (FIRST_ID + (index * ID_STRIDE + self.id_offset) % ID_SPACE).to_string();
        let (status, placed, request) = match self.shared.take() {
            Some(shared) => shared,
            None => {
                let status = if self.rng.random_bool(0.6) { OrderStatus::Current } else { OrderStatus::Closed };
                let from = if status == OrderStatus::Current && self.rng.random_bool(0.9) { RECENT } else { FIRST_ORDER };
                let day = self.rng.random_range(from / DAY..=LAST_ORDER / DAY);
                let placed = day * DAY + self.rng.random_range(6 * HOUR..20 * HOUR);
                (status, placed, self.request(status, placed))
            }
        };
        let closed = status == OrderStatus::Closed;
        let (finished, last_update) = if closed {
            let finished = placed + self.rng.random_range(2 * DAY..=(150 * DAY).min(LAST_UPDATE - placed));
            (Some(finished), finished + self.rng.random_range(0..=(3 * DAY).min(LAST_UPDATE - finished)))
        } else {
            // A current order is touched often; at least a day after it was placed, so that its done
            // milestones are spread out.
            (None, self.rng.random_range((placed + DAY).max(LAST_UPDATE - 60 * DAY)..=LAST_UPDATE))
        };
        let expected = self.rng.random_bool(if closed { 0.4 } else { 0.8 }).then(|| {
            let planned = placed + self.rng.random_range(20..=90) * DAY;
            // Most current orders are still on schedule (re-planned after today); some are late.
            let replanned = !closed && planned < NOW && self.rng.random_bool(0.85);
            day_of(if replanned { NOW + self.rng.random_range(1..=60) * DAY } else { planned })
        });
        let action = weighted(&mut self.rng, ACTIONS);
        let product = self.product();
        let site = self.rng.random_bool(0.97).then(|| self.sites[self.rng.random_range(0..SITE_POOL)].clone());
        let appointments = self.appointments(&id, placed, finished);
        let milestones = self.milestones(action, request.status.as_deref(), closed, placed, finished.unwrap_or(last_update));
        if self.rng.random_bool(SHARED_REQUEST) {
            self.shared = Some((status, placed, request.clone()));
        }
        Order {
            id,
            status,
            order_date: at(placed),
            last_update_date: self.rng.random_bool(0.92).then(|| at(last_update)),
            expected_completion_date: expected,
            completion_date: finished.filter(|_| self.rng.random_bool(0.9)).map(at),
            action,
            product,
            site,
            request,
            appointments,
            milestones,
        }
    }

    fn request(&mut self, status: OrderStatus, placed: i64) -> OrderRequest {
        let rng = &mut self.rng;
        let id = format!("3-{:07}", rng.random_range(0..10_000_000));
        let customer_reference = match rng.random_range(0..100) {
            0..15 => None,
            15..19 => Some(format!("{}-{}", pick(rng, ODD_REFERENCES), rng.random_range(1..100))),
            _ => Some(format!("PO-{}-{:05}", at(placed).year(), rng.random_range(1..100_000))),
        };
        let progress = weighted(rng, if status == OrderStatus::Closed { CLOSED_PROGRESS } else { CURRENT_PROGRESS });
        let orange_contact = rng.random_bool(0.88).then(|| pick(rng, &self.contacts).clone());
        OrderRequest { id, customer_reference, status: progress.map(str::to_owned), orange_contact }
    }

    fn product(&mut self) -> Option<Product> {
        let (code, name) = *pick(&mut self.rng, PRODUCTS);
        match self.rng.random_range(0..100) {
            0..3 => None,
            3..5 => Some(Product { code: Some(code.to_owned()), name: None }),
            _ => Some(Product { code: Some(code.to_owned()), name: Some(name.to_owned()) }),
        }
    }

    /// Survey, delivery, installation and test in that order, on business days and hours between the
    /// order and its completion (or a few weeks from now for a current order).
    fn appointments(&mut self, order_id: &str, placed: i64, finished: Option<i64>) -> Option<Vec<Appointment>> {
        let rng = &mut self.rng;
        let count = match rng.random_range(0..100) {
            0..25 => return None,
            25..33 => return Some(Vec::new()),
            33..55 => 1,
            55..80 => 2,
            80..93 => 3,
            _ => 4,
        };
        let mut kinds = [AppointmentType::Survey, AppointmentType::Delivery, AppointmentType::Installation, AppointmentType::Test];
        for len in (count + 1..=kinds.len()).rev() {
            let dropped = rng.random_range(0..len);
            kinds.copy_within(dropped + 1..len, dropped);
        }
        let first_day = placed / DAY + 1;
        let last_day = finished.map_or((NOW / DAY) + 45, |finished| finished / DAY - 1);
        let slot = ((last_day - first_day + 1) / count as i64).max(1);
        let appointments = kinds[..count]
            .iter()
            .zip(0..)
            .map(|(&kind, n)| {
                let day = business_day(first_day + n * slot + rng.random_range(0..slot), first_day);
                // 07:00 to 17:00 UTC: office hours in France, summer and winter.
                let start_minute = rng.random_range(14..=30) * 30;
                let start = day * DAY + start_minute * 60;
                let hours = rng.random_range(1..=((17 * 60 - start_minute) / 60).min(4));
                let status = if start >= NOW { AppointmentStatus::Planned } else { weighted(rng, PAST_APPOINTMENTS) };
                Appointment {
                    id: Some(format!("APT-{order_id}-{}", n + 1)),
                    kind: Some(kind),
                    status: Some(status),
                    start: Some(at(start)),
                    end: rng.random_bool(0.97).then(|| at(start + hours * HOUR)),
                    comment: rng.random_bool(0.3).then(|| pick(rng, COMMENTS).to_string()),
                }
            })
            .collect();
        Some(appointments)
    }

    /// Done up to the order's progress, with increasing dates from the order to `until`; pending after.
    fn milestones(
        &mut self,
        action: Option<OrderAction>,
        progress: Option<&str>,
        closed: bool,
        placed: i64,
        until: i64,
    ) -> Option<Vec<Milestone>> {
        let rng = &mut self.rng;
        if rng.random_bool(0.15) {
            return None;
        }
        let names = if action == Some(OrderAction::Cease) { CEASE_MILESTONES } else { MILESTONES };
        let (done, shown) = match (closed, progress) {
            (true, Some("Rejected")) => (1, 1),
            (true, Some("Cancelled")) => {
                let done = rng.random_range(1..names.len());
                (done, done)
            }
            (true, _) => (names.len(), names.len()),
            (false, Some("Acknowledged")) => (1, names.len()),
            (false, _) => (rng.random_range(1..names.len()), names.len()),
        };
        let step = (until - placed) / (done as i64 - 1).max(1);
        let milestones = names[..shown]
            .iter()
            .zip(0..)
            .map(|(name, n)| {
                let date = match n {
                    0 => Some(placed + rng.random_range(0..900)),
                    n if n < done as i64 => Some(placed + n * step - rng.random_range(0..=step / 4)),
                    _ => None,
                };
                let status = if date.is_some() { MilestoneStatus::Done } else { MilestoneStatus::Pending };
                Milestone { name: Some((*name).to_owned()), status: Some(status), date: date.map(at) }
            })
            .collect();
        Some(milestones)
    }
}

fn site(rng: &mut StdRng, number: usize) -> Site {
    // A quarter of the sites are in Paris, so that cities tie often.
    let &(city, first_postal_code, postal_codes) = if rng.random_bool(0.25) { &CITIES[0] } else { pick(rng, CITIES) };
    let name = match number {
        0 => "Siège social".to_owned(),
        _ => format!("{} {city}", pick(rng, SITE_KINDS)),
    };
    let address = Address {
        street: rng.random_bool(0.92).then(|| format!("{} {}", rng.random_range(1..=180), pick(rng, STREETS))),
        postal_code: rng.random_bool(0.96).then(|| format!("{:05}", first_postal_code + rng.random_range(0..postal_codes))),
        city: rng.random_bool(0.98).then(|| city.to_owned()),
        country: rng.random_bool(0.97).then(|| "FR".to_owned()),
    };
    Site {
        id: rng.random_bool(0.98).then(|| format!("SITE-{:05}", number + 1)),
        name: rng.random_bool(0.95).then_some(name),
        address: rng.random_bool(0.95).then_some(address),
    }
}

fn contact(rng: &mut StdRng) -> Contact {
    let &(first, first_ascii) = pick(rng, FIRST_NAMES);
    let &(last, last_ascii) = pick(rng, LAST_NAMES);
    let phone = format!(
        "+33 {} {:02} {:02} {:02} {:02}",
        rng.random_range(1..=7),
        rng.random_range(0..100),
        rng.random_range(0..100),
        rng.random_range(0..100),
        rng.random_range(0..100)
    );
    Contact {
        name: Some(format!("{first} {last}")),
        email: rng.random_bool(0.95).then(|| format!("{first_ascii}.{last_ascii}@orange.com")),
        phone: rng.random_bool(0.85).then_some(phone),
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<T: Copy>(rng: &mut StdRng, table: &[(u32, T)]) -> T {
    let mut roll = rng.random_range(0..table.iter().map(|&(weight, _)| weight).sum::<u32>());
    for &(weight, value) in table {
        if roll < weight {
            return value;
        }
        roll -= weight;
    }
    unreachable!("the roll is below the total weight")
}

/// `day` (days since the epoch) moved off the week-end: back to Friday unless that is before `floor`.
pub(crate) fn business_day(day: i64, floor: i64) -> i64 {
    // The epoch was a Thursday; 0 is Monday.
    match (day + 3).rem_euclid(7) {
        5 if day > floor => day - 1,
        5 => day + 2,
        6 if day - 2 >= floor => day - 2,
        6 => day + 1,
        _ => day,
    }
}

fn at(timestamp: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(timestamp).expect("generated instants lie in 2024-2027")
}

fn day_of(timestamp: i64) -> Date {
    at(timestamp).date()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::validation::parse_order;

    #[test]
    fn the_same_seed_gives_the_same_orders() {
        assert_eq!(generate_orders(300, 7), generate_orders(300, 7));
        assert_ne!(generate_orders(300, 7), generate_orders(300, 8));
    }

    #[test]
    fn a_shorter_stream_is_a_prefix_of_a_longer_one() {
        let long: Vec<Order> = order_stream(600, 3).collect();
        assert_eq!(generate_orders(300, 3), long[..300]);
    }

    #[test]
    fn ids_are_unique_numbers_of_six_to_eight_digits() {
        assert_eq!(gcd(ID_STRIDE, ID_SPACE), 1, "the stride must be coprime with the space for ids to be unique");
        let orders = generate_orders(10_000, 1);
        let ids: HashSet<&str> = orders.iter().map(|order| order.id.as_str()).collect();
        assert_eq!(ids.len(), orders.len());
        for id in ids {
            assert!((6..=8).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()), "{id}");
        }
    }

    #[test]
    fn every_order_is_valid_and_round_trips() {
        for order in generate_orders(500, 42) {
            let parsed = parse_order(serde_json::to_value(&order).unwrap()).unwrap_or_else(|problems| panic!("{problems:?}"));
            assert_eq!(parsed, order);
            assert_eq!(parsed.to_document(), order.to_document());
        }
    }

    #[test]
    fn dates_follow_each_other() {
        for order in generate_orders(2_000, 5) {
            let placed = order.order_date;
            assert!(placed >= at(FIRST_ORDER) && placed <= at(LAST_ORDER), "{}", order.id);
            assert_eq!(placed.nanosecond(), 0);
            assert!(order.last_update_date.is_none_or(|date| date >= placed && date <= at(LAST_UPDATE)), "{}", order.id);
            assert!(order.completion_date.is_none_or(|date| date > placed && order.last_update_date.is_none_or(|last| last >= date)));
            assert!(order.expected_completion_date.is_none_or(|date| date > placed.date()));
            let current = order.status == OrderStatus::Current;
            assert!(!current || order.completion_date.is_none());
            for appointment in order.appointments.iter().flatten() {
                let start = appointment.start.unwrap();
                assert!(start > placed && appointment.end.is_none_or(|end| end > start), "{}", order.id);
                let office_hours = at(7 * HOUR)..=at(17 * HOUR);
                assert!(office_hours.contains(&start.replace_date(at(0).date())), "{}", order.id);
                assert!(appointment.end.is_none_or(|end| office_hours.contains(&end.replace_date(at(0).date()))), "{}", order.id);
                assert!(start.weekday().number_days_from_monday() < 5, "{}", order.id);
                let planned = appointment.status == Some(AppointmentStatus::Planned);
                assert_eq!(planned, start >= at(NOW), "{}", order.id);
                assert!(current || !planned, "{}", order.id);
            }
            let dates: Vec<OffsetDateTime> = order.milestones.iter().flatten().filter_map(|milestone| milestone.date).collect();
            assert!(dates.windows(2).all(|pair| pair[0] < pair[1]), "{}", order.id);
            assert!(dates.iter().all(|&date| date >= placed && order.last_update_date.is_none_or(|last| date <= last)));
        }
    }

    #[test]
    fn five_hundred_orders_show_every_case() {
        let orders = generate_orders(500, 42);
        let count = |test: &dyn Fn(&Order) -> bool| orders.iter().filter(|order| test(order)).count();
        let current = count(&|order| order.status == OrderStatus::Current);
        assert!((250..350).contains(&current), "{current} current orders");
        assert!(count(&|order| order.last_update_date.is_none()) > 0);
        assert!(count(&|order| order.expected_completion_date.is_none()) > 0);
        assert!(count(&|order| order.status == OrderStatus::Closed && order.completion_date.is_none()) > 0);
        assert!(count(&|order| order.action.is_none()) > 0);
        assert!(count(&|order| order.product.is_none()) > 0);
        assert!(count(&|order| order.product.as_ref().is_some_and(|product| product.name.is_none())) > 0);
        assert!(count(&|order| order.site.is_none()) > 0);
        assert!(count(&|order| order.site.as_ref().is_some_and(|site| site.address.as_ref().is_some_and(|a| a.street.is_none()))) > 0);
        assert!(count(&|order| order.request.customer_reference.is_none()) > 0);
        assert!(count(&|order| order.request.customer_reference.as_ref().is_some_and(|reference| !reference.is_ascii())) > 0);
        assert!(count(&|order| order.request.orange_contact.is_none()) > 0);
        assert!(count(&|order| order.appointments.is_none()) > 0);
        assert!(count(&|order| order.appointments.as_ref().is_some_and(Vec::is_empty)) > 0);
        assert!(count(&|order| order.appointments.iter().flatten().any(|a| a.status == Some(AppointmentStatus::Planned))) > 0);
        assert!(count(&|order| order.appointments.iter().flatten().any(|a| a.status == Some(AppointmentStatus::Done))) > 0);
        assert!(count(&|order| order.milestones.is_none()) > 0);
        assert!(count(&|order| order.milestones.iter().flatten().any(|m| m.status == Some(MilestoneStatus::Pending))) > 0);
        // Ties, so that sorting falls back on the id.
        let order_dates: HashSet<OffsetDateTime> = orders.iter().map(|order| order.order_date).collect();
        assert!(order_dates.len() < orders.len(), "no two orders placed in the same second");
        let cities: HashSet<Option<&str>> = orders.iter().map(|order| order.site.as_ref()?.address.as_ref()?.city.as_deref()).collect();
        assert!(cities.len() >= 25 && cities.len() < orders.len() / 4, "{} cities", cities.len());
    }

    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
}
