//! What happens to an order's appointments as the sandbox moves it: planned when the work
//! starts, now and then rescheduled (moved, or cancelled and booked again), done once their time
//! has passed, and cancelled when the order ends before them.

use time::{Duration, OffsetDateTime};

use super::dice::Dice;
use crate::demo::generate::business_day;
use crate::domain::order::{Appointment, AppointmentStatus, AppointmentType, Order};

const DAY: i64 = 86_400;

/// Still to happen: planned, or planned again at a new time.
fn ahead(appointment: &Appointment) -> bool {
    matches!(appointment.status, Some(AppointmentStatus::Planned | AppointmentStatus::Rescheduled))
}

/// Books the visits of an order whose work starts and that has none: an installation a few
/// business days from `at`, after a survey for some.
pub fn plan(order: &mut Order, at: OffsetDateTime, dice: &mut Dice) {
    if order.appointments.as_ref().is_some_and(|appointments| !appointments.is_empty()) {
        return;
    }
    let kinds: &[AppointmentType] = match dice.below(3) {
        0 => &[AppointmentType::Survey, AppointmentType::Installation],
        _ => &[AppointmentType::Installation],
    };
    let mut after = at;
    let mut appointments = Vec::new();
    for kind in kinds {
        let start = slot(after + Duration::days(dice.between(2, 6)), dice);
        appointments.push(appointment(&order.id, appointments.len() + 1, *kind, start, dice));
        after = start;
    }
    order.appointments = Some(appointments);
}

/// Moves the next appointment still ahead of `at` to a later day: half the time the same one,
/// now `Rescheduled`; otherwise it is `Cancelled` and another of its kind booked. `false` when
/// there is none ahead.
pub fn reschedule(order: &mut Order, at: OffsetDateTime, dice: &mut Dice) -> bool {
    // An order without appointments keeps none: no `"appointments": []` appears.
    let Some(appointments) = order.appointments.as_mut() else { return false };
    let Some(next) = appointments.iter().position(|appointment| ahead(appointment) && appointment.start.is_some_and(|start| start > at))
    else {
        return false;
    };
    let was = appointments[next].start.expect("an appointment ahead has a start");
    let start = slot(was + Duration::days(dice.between(1, 7)), dice);
    if dice.below(2) == 0 {
        let moved = &mut appointments[next];
        let length = moved.end.map(|end| end - was);
        moved.status = Some(AppointmentStatus::Rescheduled);
        moved.start = Some(start);
        moved.end = length.map(|length| start + length);
    } else {
        appointments[next].status = Some(AppointmentStatus::Cancelled);
        let kind = appointments[next].kind.unwrap_or(AppointmentType::Installation);
        let booked = appointment(&order.id, appointments.len() + 1, kind, start, dice);
        appointments.push(booked);
    }
    true
}

/// The appointments whose time has come by `at` are done.
pub fn settle_past(order: &mut Order, at: OffsetDateTime) {
    for appointment in order.appointments.iter_mut().flatten() {
        if ahead(appointment) && appointment.start.is_some_and(|start| start <= at) {
            appointment.status = Some(AppointmentStatus::Done);
        }
    }
}

/// The order ends at `at`: those past are done, those still ahead cancelled.
pub fn settle_all(order: &mut Order, at: OffsetDateTime) {
    settle_past(order, at);
    for appointment in order.appointments.iter_mut().flatten() {
        if ahead(appointment) {
            appointment.status = Some(AppointmentStatus::Cancelled);
        }
    }
}

/// A business day's half hour between 07:00 and 14:00 UTC (office hours in France), on or after
/// `day`'s date.
fn slot(day: OffsetDateTime, dice: &mut Dice) -> OffsetDateTime {
    let number = day.unix_timestamp().div_euclid(DAY);
    let business = business_day(number, number);
    let minute = dice.between(14, 28) * 30;
    OffsetDateTime::from_unix_timestamp(business * DAY + minute * 60).expect("a simulated day is a valid instant")
}

fn appointment(order_id: &str, number: usize, kind: AppointmentType, start: OffsetDateTime, dice: &mut Dice) -> Appointment {
    Appointment {
        id: Some(format!("APT-{order_id}-{number}")),
        kind: Some(kind),
        status: Some(AppointmentStatus::Planned),
        start: Some(start),
        end: Some(start + Duration::hours(dice.between(1, 3))),
        comment: None,
    }
}
