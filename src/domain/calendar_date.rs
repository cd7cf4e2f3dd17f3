//! Calendar dates written `YYYY-MM-DD`: parsing, and serde helpers for fields that hold one.

use time::{Date, format_description::FormatItem, macros::format_description};

pub const FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

pub mod option {
    use super::FORMAT;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => {
                let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&text)
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|text| Date::parse(&text, FORMAT).map_err(D::Error::custom)).transpose()
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse(text: &str) -> Option<Date> {
    Date::parse(text, FORMAT).ok()
}
