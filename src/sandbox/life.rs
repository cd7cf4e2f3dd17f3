//! One step of an order's life, as the sandbox moves it: `request.status` Acknowledged → In
//! progress → Completed (Pending customer and Held go back to In progress), then `Closed` with its
//! `completionDate`. Each step turns the next pending milestone Done, and the last one settles
//! the appointments; dates never go back, and `lastUpdateDate` moves with every step.

use time::{Duration, OffsetDateTime};

use crate::domain::order::{AppointmentStatus, MilestoneStatus, Order, OrderStatus};

/// The order one step further at `now`, or `None` when it is Closed: a Closed order never reopens.
pub fn step(order: &Order, now: OffsetDateTime) -> Option<Order> {
    if order.status == OrderStatus::Closed {
        return None;
    }
    let mut next = order.clone();
    // Never before anything the order already says happened.
    let at = latest_date(order).map_or(now, |latest| now.max(latest + Duration::milliseconds(1)));
    let completed = match order.request.status.as_deref() {
        None | Some("Acknowledged") => set_request_status(&mut next, "In progress"),
        Some("In progress" | "Pending customer" | "Held") if pending_milestones(order) > 1 => set_request_status(&mut next, "In progress"),
        Some("Completed") => true,
        // In progress with the last milestone left, or a status the sandbox does not know.
        Some(_) => set_request_status(&mut next, "Completed"),
    };
    if completed {
        close(&mut next, at);
    } else {
        done_next_milestone(&mut next, at);
    }
    next.last_update_date = Some(at);
    Some(next)
}

fn set_request_status(order: &mut Order, status: &str) -> bool {
    order.request.status = Some(status.to_owned());
    false
}

/// Completed, then Closed: every milestone Done, appointments done (or cancelled if still ahead).
fn close(order: &mut Order, at: OffsetDateTime) {
    order.request.status = Some("Completed".to_owned());
    while done_next_milestone(order, at) {}
    for appointment in order.appointments.iter_mut().flatten() {
        if appointment.status == Some(AppointmentStatus::Planned) || appointment.status == Some(AppointmentStatus::Rescheduled) {
            let ahead = appointment.start.is_some_and(|start| start > at);
            appointment.status = Some(if ahead { AppointmentStatus::Cancelled } else { AppointmentStatus::Done });
        }
    }
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
    use super::*;
    use crate::demo::generate::generate_orders;

    /// Every step of every demo order, to its end: the invariants hold at each.
    #[test]
    fn every_order_reaches_closed_and_nothing_goes_back() {
        let now = OffsetDateTime::now_utc();
        for order in generate_orders(500, 2026) {
            let mut current = order;
            let mut steps = 0;
            while let Some(next) = step(&current, now) {
                steps += 1;
                assert!(steps <= 12, "{} never closes", current.id);
                assert!(next.last_update_date > current.last_update_date, "{}: lastUpdateDate moves", next.id);
                for (before, after) in current.milestones.iter().flatten().zip(next.milestones.iter().flatten()) {
                    assert!(after.date >= before.date, "{}: a milestone date went back", next.id);
                    assert!(before.status != Some(MilestoneStatus::Done) || after.status == before.status, "{}: undone", next.id);
                }
                let closed = next.status == OrderStatus::Closed;
                assert_eq!(next.completion_date.is_some(), closed || current.completion_date.is_some(), "{}", next.id);
                if closed {
                    assert_eq!(next.request.status.as_deref(), Some("Completed"));
                    assert!(next.milestones.iter().flatten().all(|m| m.status == Some(MilestoneStatus::Done)));
                    assert!(next.appointments.iter().flatten().all(|a| a.status != Some(AppointmentStatus::Planned)));
                }
                current = next;
            }
            assert_eq!(current.status, OrderStatus::Closed, "the end of a life is Closed");
            assert!(step(&current, now).is_none(), "a Closed order never reopens");
        }
    }

    #[test]
    fn a_new_order_goes_through_in_progress_to_completed() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "id": "1", "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": "3-1", "status": "Acknowledged"},
            "milestones": [{"name": "Ordered", "status": "Done", "date": "2026-03-01T10:00:00Z"}, {"name": "Installed", "status": "Pending"}, {"name": "Service active", "status": "Pending"}]
        }))
        .unwrap();
        let now = OffsetDateTime::now_utc();
        let statuses: Vec<_> = std::iter::successors(Some(order), |order| step(order, now))
            .map(|order| (order.request.status.clone().unwrap(), order.status))
            .collect();
        let expected = [
            ("Acknowledged", OrderStatus::Current),
            ("In progress", OrderStatus::Current),
            ("Completed", OrderStatus::Current),
            ("Completed", OrderStatus::Closed),
        ];
        assert_eq!(statuses, expected.map(|(status, order)| (status.to_owned(), order)));
    }
}
