//! Which events a reader wants: `eventType=` (a comma list) and the list's filters on the order
//! (contract §6), as the pull feed and the hub's subscriptions both take them.

use crate::domain::events::{EventType, OrderEvent};
use crate::query::{Filter, Limits, QueryError, matches_all, parse_query};

/// Parameters of the list that mean nothing for events.
const LIST_ONLY: [&str; 3] = ["offset", "sort", "fields"];

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// None: every type.
    pub types: Vec<EventType>,
    pub filters: Vec<Filter>,
}

impl EventFilter {
    /// Reads `eventType` and the filters from `pairs`; `also` names the other parameters the
    /// caller reads itself (the feed's `after` and `limit`), which are left out here.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        limits: Limits,
        also: &[&str],
    ) -> Result<EventFilter, QueryError> {
        let problem = |parameter: &str, problem: String| QueryError { parameter: parameter.to_owned(), problem };
        let (mut types, mut filters) = (Vec::new(), form_urlencoded::Serializer::new(String::new()));
        for (name, value) in pairs {
            if also.contains(&name) {
                continue;
            }
            if name == "eventType" {
                for name in value.split(',') {
                    let kind = EventType::from_name(name).ok_or_else(|| {
                        let names: Vec<&str> = EventType::ALL.iter().map(|kind| kind.name()).collect();
                        problem("eventType", format!("{name:?} is not an event type; use {}", names.join(", ")))
                    })?;
                    if !types.contains(&kind) {
                        types.push(kind);
                    }
                }
            } else if LIST_ONLY.contains(&name) {
                let takes: Vec<&str> = also.iter().copied().chain(["eventType", "filters"]).collect();
                return Err(problem(name, format!("is not a parameter of events, which take {}", takes.join(", "))));
            } else {
                filters.append_pair(name, value);
            }
        }
        Ok(EventFilter { types, filters: parse_query(&filters.finish(), limits)?.filters })
    }

    /// Whether `event` is wanted, reading its order only when a filter needs it.
    pub fn keeps(&self, event: &OrderEvent) -> Result<bool, serde_json::Error> {
        match self.filters.is_empty() {
            true => Ok(self.types.is_empty() || self.types.contains(&event.event_type)),
            false => Ok(self.matches(event, &serde_json::from_str(event.order.as_str())?)),
        }
    }

    /// Whether `event` is of a wanted type and its order satisfies every filter.
    pub fn matches(&self, event: &OrderEvent, order: &serde_json::Value) -> bool {
        (self.types.is_empty() || self.types.contains(&event.event_type)) && matches_all(&self.filters, order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { default_limit: 100, max_limit: 1000 };

    fn parse(raw: &str) -> Result<EventFilter, QueryError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
        EventFilter::parse(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())), LIMITS, &[])
    }

    #[test]
    fn types_and_filters_are_read_and_bad_ones_named() {
        let filter = parse("eventType=OrderCreateEvent,OrderStateChangeEvent,OrderCreateEvent&status=Closed").unwrap();
        assert_eq!((filter.types.len(), filter.filters.len()), (2, 1));
        for (raw, parameter) in
            [("eventType=OrderDeleted", "eventType"), ("sort=id", "sort"), ("colour=red", "colour"), ("after=1", "after")]
        {
            assert_eq!(parse(raw).unwrap_err().parameter, parameter, "{raw}");
        }
    }
}
