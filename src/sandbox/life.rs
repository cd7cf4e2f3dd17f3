//! One step of an order's life, as the sandbox moves it. `request.status` goes Acknowledged → In
//! progress → Completed, and the order then becomes `Closed` with its `completionDate`. On the way,
//! drawn from the step's dice: a detour through Pending customer or Held (the expected completion
//! slips; the next step resumes the work), an appointment rescheduled, and now and then an order
//! rejected before the work starts or cancelled during it (Closed too, its visits cancelled).
//! Each working step turns the next pending milestone Done; appointments are booked when the work
//! starts and done once their time has passed. Dates never go back, and `lastUpdateDate` moves
//! with every step.

use time::{Duration, OffsetDateTime};

use super::appointments;
use super::dice::Dice;
use crate::domain::order::{MilestoneStatus, Order, OrderStatus};

/// Out of 100 steps of an order not yet in progress: how many reject it.
const REJECTED: u64 = 3;

/// What a step of an order in progress does.
enum Turn {
    Cancelled,
    Detour(&'static str),
    /// An appointment ahead moved; the work goes on if there is none.
    Rescheduled,
    Work,
}

/// Out of 100 steps of an order in progress: 2 cancel it, 8 wait for the customer, 5 are held,
/// 10 move an appointment, the rest work.
fn turn_in_progress(roll: u64) -> Turn {
    match roll {
        0..2 => Turn::Cancelled,
        2..10 => Turn::Detour("Pending customer"),
        10..15 => Turn::Detour("Held"),
        15..25 => Turn::Rescheduled,
        _ => Turn::Work,
    }
}

/// The order one step further at `now`, its turns drawn from `draw`, or `None` when it is
/// Closed: a Closed order never reopens.
pub fn step(order: &Order, now: OffsetDateTime, draw: u64) -> Option<Order> {
    if order.status == OrderStatus::Closed {
        return None;
    }
    let mut dice = Dice::new(draw);
    let mut next = order.clone();
    // Never before anything the order already says happened.
    let at = latest_date(order).map_or(now, |latest| now.max(latest + Duration::milliseconds(1)));
    appointments::settle_past(&mut next, at);
    match order.request.status.as_deref() {
        None | Some("Acknowledged") if dice.below(100) < REJECTED => end(&mut next, "Rejected", at),
        None | Some("Acknowledged") => {
            next.request.status = Some("In progress".to_owned());
            done_next_milestone(&mut next, at);
            appointments::plan(&mut next, at, &mut dice);
        }
        Some("In progress") => match turn_in_progress(dice.below(100)) {
            Turn::Cancelled => end(&mut next, "Cancelled", at),
            Turn::Detour(status) => detour(&mut next, status, at, &mut dice),
            Turn::Rescheduled if appointments::reschedule(&mut next, at, &mut dice) => {}
            Turn::Rescheduled | Turn::Work => work(&mut next, at),
        },
        Some("Completed") => close(&mut next, at),
        // Back from a detour, or a status the sandbox does not know: the work goes on.
        Some(_) => work(&mut next, at),
    }
    next.last_update_date = Some(at);
    Some(next)
}

/// In progress, the next milestone done; with the last one left, the work is Completed (the
/// order closes at its next step).
fn work(order: &mut Order, at: OffsetDateTime) {
    let status = if pending_milestones(order) > 1 { "In progress" } else { "Completed" };
    order.request.status = Some(status.to_owned());
    done_next_milestone(order, at);
}

/// Waiting for the customer, or held by Orange: nothing done, and the expected completion slips.
fn detour(order: &mut Order, status: &str, at: OffsetDateTime, dice: &mut Dice) {
    order.request.status = Some(status.to_owned());
    if let Some(expected) = order.expected_completion_date.as_mut() {
        let slipped = *expected + Duration::days(dice.between(3, 10));
        *expected = slipped.max((at + Duration::days(1)).date());
    }
}

/// Completed, then Closed: every milestone Done, appointments done (or cancelled if still ahead).
fn close(order: &mut Order, at: OffsetDateTime) {
    while done_next_milestone(order, at) {}
    end(order, "Completed", at);
}

/// Closed at `at` with `status` as the request's last word; visits still ahead are cancelled.
fn end(order: &mut Order, status: &str, at: OffsetDateTime) {
    order.request.status = Some(status.to_owned());
    appointments::settle_all(order, at);
    order.status = OrderStatus::Closed;
    order.completion_date = Some(at);
}

/// Turns the first pending milestone Done at `at`; `false` when none is pending.
fn done_next_milestone(order: &mut Order, at: OffsetDateTime) -> bool {
    let pending = order.milestones.iter_mut().flatten().find(|milestone| milestone.status != Some(MilestoneStatus::Done));
    match pending {
        Some(milestone) => {
            milestone.status = Some(MilestoneStatus::Done);
            milestone.date = Some(at);
            true
        }
        None => false,
    }
}

fn pending_milestones(order: &Order) -> usize {
    order.milestones.iter().flatten().filter(|milestone| milestone.status != Some(MilestoneStatus::Done)).count()
}

/// The latest date the order holds: its dates and its milestones'.
fn latest_date(order: &Order) -> Option<OffsetDateTime> {
    let milestones = order.milestones.iter().flatten().filter_map(|milestone| milestone.date);
    [Some(order.order_date), order.last_update_date, order.completion_date].into_iter().flatten().chain(milestones).max()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::demo::generate::generate_orders;
    use crate::domain::order::AppointmentStatus;

    /// Every step of every demo order, to its end, with a different draw at each: the
    /// invariants hold at each, and the life takes every turn it can.
    #[test]
    fn every_order_reaches_closed_and_nothing_goes_back() {
        let now = OffsetDateTime::now_utc();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (number, order) in generate_orders(500, 2026).into_iter().enumerate() {
            let mut current = order;
            let mut steps = 0;
            while let Some(next) = step(&current, now, (number * 1000 + steps) as u64) {
                steps += 1;
                assert!(steps <= 60, "{} never closes", current.id);
                assert!(next.last_update_date > current.last_update_date, "{}: lastUpdateDate moves", next.id);
                for (before, after) in current.milestones.iter().flatten().zip(next.milestones.iter().flatten()) {
                    assert!(after.date >= before.date, "{}: a milestone date went back", next.id);
                    assert!(before.status != Some(MilestoneStatus::Done) || after.status == before.status, "{}: undone", next.id);
                }
                let was = current.appointments.iter().flatten().count();
                assert!(next.appointments.iter().flatten().count() >= was, "{}: an appointment disappeared", next.id);
                for (before, after) in current.appointments.iter().flatten().zip(next.appointments.iter().flatten()) {
                    let settled = matches!(before.status, Some(AppointmentStatus::Done | AppointmentStatus::Cancelled));
                    assert!(!settled || after == before, "{}: a settled appointment changed", next.id);
                    assert!(after.start >= before.start, "{}: an appointment moved earlier", next.id);
                }
                let closed = next.status == OrderStatus::Closed;
                assert_eq!(next.completion_date.is_some(), closed || current.completion_date.is_some(), "{}", next.id);
                let request_status = next.request.status.clone().unwrap_or_default();
                *seen.entry(request_status.clone()).or_default() += 1;
                if closed {
                    assert!(["Completed", "Cancelled", "Rejected"].contains(&request_status.as_str()), "{}", next.id);
                    if request_status == "Completed" {
                        assert!(next.milestones.iter().flatten().all(|m| m.status == Some(MilestoneStatus::Done)));
                    }
                    let ahead = |status| next.appointments.iter().flatten().any(|a| a.status == Some(status));
                    assert!(!ahead(AppointmentStatus::Planned) && !ahead(AppointmentStatus::Rescheduled), "{}: settled", next.id);
                }
                for status in [AppointmentStatus::Rescheduled, AppointmentStatus::Cancelled] {
                    let count = |order: &Order| order.appointments.iter().flatten().filter(|a| a.status == Some(status)).count();
                    if !closed && count(&next) > count(&current) {
                        *seen.entry(format!("appointment {status:?}")).or_default() += 1;
                    }
                }
                current = next;
            }
            assert_eq!(current.status, OrderStatus::Closed, "the end of a life is Closed");
            assert!(step(&current, now, 0).is_none(), "a Closed order never reopens");
        }
        for turn in [
            "In progress",
            "Pending customer",
            "Held",
            "Completed",
            "Cancelled",
            "Rejected",
            "appointment Rescheduled",
            "appointment Cancelled",
        ] {
            assert!(seen.get(turn).is_some_and(|count| *count > 0), "no order went {turn:?}: {seen:?}");
        }
    }

    fn new_order() -> Order {
        serde_json::from_value(serde_json::json!({
            "id": "1", "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": "3-1", "status": "Acknowledged"},
            "expectedCompletionDate": "2026-03-20",
            "milestones": [{"name": "Ordered", "status": "Done", "date": "2026-03-01T10:00:00Z"}, {"name": "Installed", "status": "Pending"}, {"name": "Service active", "status": "Pending"}]
        }))
        .unwrap()
    }

    /// The draw whose first roll of 100 falls in `range`.
    fn draw_rolling(range: std::ops::Range<u64>) -> u64 {
        (0..).find(|draw| range.contains(&Dice::new(*draw).below(100))).unwrap()
    }

    #[test]
    fn a_new_order_goes_through_in_progress_to_completed_and_books_its_visits() {
        let now = time::macros::datetime!(2026-03-02 08:00 UTC);
        let work = draw_rolling(25..100);
        let statuses: Vec<_> = std::iter::successors(Some(new_order()), |order| step(order, now, work))
            .map(|order| (order.request.status.clone().unwrap(), order.status))
            .collect();
        let expected = [
            ("Acknowledged", OrderStatus::Current),
            ("In progress", OrderStatus::Current),
            ("Completed", OrderStatus::Current),
            ("Completed", OrderStatus::Closed),
        ];
        assert_eq!(statuses, expected.map(|(status, order)| (status.to_owned(), order)));
        let started = step(&new_order(), now, work).unwrap();
        let booked = started.appointments.expect("visits booked when the work starts");
        assert!(!booked.is_empty() && booked.iter().all(|a| a.status == Some(AppointmentStatus::Planned) && a.start > Some(now)));
        let weekend =
            |a: &crate::domain::order::Appointment| matches!(a.start.unwrap().weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
        assert!(!booked.iter().any(weekend), "on business days: {booked:?}");
    }

    #[test]
    fn detours_slip_the_expected_completion_and_the_next_step_resumes() {
        let now = time::macros::datetime!(2026-03-02 08:00 UTC);
        let started = step(&new_order(), now, draw_rolling(25..100)).unwrap();
        let held = step(&started, now, draw_rolling(10..15)).unwrap();
        assert_eq!(held.request.status.as_deref(), Some("Held"));
        assert_eq!(held.milestones, started.milestones, "nothing done while held");
        assert!(held.expected_completion_date > started.expected_completion_date, "the expected completion slips");
        let resumed = step(&held, now, draw_rolling(25..100)).unwrap();
        assert_eq!(resumed.request.status.as_deref(), Some("Completed"), "the work goes on: the last milestone is left");
        let cancelled = step(&started, now, draw_rolling(0..2)).unwrap();
        assert_eq!((cancelled.status, cancelled.request.status.as_deref()), (OrderStatus::Closed, Some("Cancelled")));
        assert_eq!(cancelled.completion_date, cancelled.last_update_date);
        assert!(cancelled.appointments.iter().flatten().all(|a| a.status == Some(AppointmentStatus::Cancelled)), "visits ahead cancelled");
        let rejected = step(&new_order(), now, draw_rolling(0..REJECTED)).unwrap();
        assert_eq!((rejected.status, rejected.request.status.as_deref()), (OrderStatus::Closed, Some("Rejected")));
    }
}
