//! An order's timeline: its milestones and appointments in time order, and its expected
//! completion, each marked done, to come, rescheduled or cancelled.

use maud::{Markup, html};
use time::OffsetDateTime;

use crate::domain::order::{AppointmentStatus, MilestoneStatus, Order};
use crate::i18n::Language;
use crate::i18n::texts::{self, Text};

/// Where an entry stands, and its class on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Done,
    ToCome,
    Rescheduled,
    Cancelled,
}

impl Standing {
    fn class(self) -> &'static str {
        match self {
            Standing::Done => "done",
            Standing::ToCome => "to-come",
            Standing::Rescheduled => "rescheduled",
            Standing::Cancelled => "cancelled",
        }
    }

    fn text(self) -> Text {
        match self {
            Standing::Done => Text::Done,
            Standing::ToCome => Text::ToCome,
            Standing::Rescheduled => Text::Rescheduled,
            Standing::Cancelled => Text::Cancelled,
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// None: not dated yet, shown last.
    pub at: Option<OffsetDateTime>,
    pub kind: Text,
    pub title: String,
    pub standing: Standing,
    pub detail: Option<String>,
    /// The expected completion is a date, not a time.
    pub day_only: bool,
}

/// The entries of an order, in time order (undated ones last, in the order's own order).
pub fn entries(language: Language, order: &Order) -> Vec<Entry> {
    let mut entries = Vec::new();
    for milestone in order.milestones.iter().flatten() {
        let standing = match milestone.status {
            Some(MilestoneStatus::Done) => Standing::Done,
            _ => Standing::ToCome,
        };
        let title = milestone.name.clone().unwrap_or_else(|| Text::Milestone.in_(language).to_owned());
        entries.push(Entry { at: milestone.date, kind: Text::Milestone, title, standing, detail: None, day_only: false });
    }
    for appointment in order.appointments.iter().flatten() {
        let standing = match appointment.status {
            Some(AppointmentStatus::Done) => Standing::Done,
            Some(AppointmentStatus::Cancelled) => Standing::Cancelled,
            Some(AppointmentStatus::Rescheduled) => Standing::Rescheduled,
            Some(AppointmentStatus::Planned) | None => Standing::ToCome,
        };
        let kind = appointment.kind.map(|kind| format!("{kind:?}"));
        let title = kind.map_or_else(|| Text::Appointment.in_(language).to_owned(), |kind| texts::value(language, &kind));
        let until = appointment.end.map(crate::i18n::in_paris).map(|(_, hour, minute)| format!("{hour:02}:{minute:02}"));
        let detail = match (until, &appointment.comment) {
            (Some(until), Some(comment)) => Some(format!("→ {until} · {comment}")),
            (Some(until), None) => Some(format!("→ {until}")),
            (None, comment) => comment.clone(),
        };
        entries.push(Entry { at: appointment.start, kind: Text::Appointment, title, standing, detail, day_only: false });
    }
    if let Some(expected) = order.expected_completion_date {
        let standing = if order.completion_date.is_some() { Standing::Done } else { Standing::ToCome };
        let at = expected.midnight().assume_utc();
        entries.push(Entry {
            at: Some(at),
            kind: Text::ExpectedCompletion,
            title: Text::ExpectedCompletion.in_(language).to_owned(),
            standing,
            detail: None,
            day_only: true,
        });
    }
    // Stable: entries at the same time keep the order's own order.
    entries.sort_by_key(|entry| (entry.at.is_none(), entry.at));
    entries
}

pub fn render(language: Language, order: &Order) -> Markup {
    html! {
        ol.timeline {
            @for entry in entries(language, order) {
                li class=(format!("entry {} {}", entry.standing.class(), if entry.kind == Text::ExpectedCompletion { "expected" } else { "" })) {
                    @if let Some(at) = entry.at {
                        time datetime=(at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()) {
                            @if entry.day_only { (language.date(at.date())) } @else { (language.date_time(at)) }
                        }
                    }
                    " "
                    span.kind { (entry.kind.in_(language)) }
                    " "
                    strong { (entry.title) }
                    " "
                    span.standing { "(" (entry.standing.text().in_(language)) ")" }
                    @if let Some(detail) = &entry.detail { " " span.detail { (detail) } }
                }
            }
        }
    }
}
