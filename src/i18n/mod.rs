//! The two languages the service speaks to people, English and French: which one is wanted,
//! and how dates and numbers read in it. The words: the portal's in `texts.rs`, the API's error
//! descriptions in `api_errors.rs`.

pub mod api_errors;
pub mod texts;

use axum::http::{HeaderMap, header};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Fr,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|language| code.trim().eq_ignore_ascii_case(language.code()))
    }

    /// The first of the languages `Accept-Language` prefers (RFC 9110 §12.5.4) that the portal
    /// speaks; English when it names none of them.
    pub fn from_accept_language(headers: &HeaderMap) -> Language {
        let mut ranges: Vec<(f32, Language)> = headers
            .get_all(header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                let primary = parts.next()?.split('-').next()?;
                let quality = parts.find_map(|param| param.strip_prefix("q=")).map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                Some((quality, Language::from_code(primary)?)).filter(|(quality, _)| *quality > 0.0)
            })
            .collect();
        // A stable sort keeps the header's order between equal qualities.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.first().map_or(Language::En, |(_, language)| *language)
    }

    /// `1,234` or `1 234` (with a narrow no-break space, as French typography has it).
    pub fn number(self, value: u64) -> String {
        let separator = match self {
            Language::En => ",",
            Language::Fr => "\u{202f}",
        };
        let digits = value.to_string();
        let mut out = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(digit);
        }
        out
    }

    /// `12 March 2026` or `12 mars 2026`.
    pub fn date(self, date: Date) -> String {
        let month = self.month_name(date.month());
        format!("{} {month} {}", date.day(), date.year())
    }

    /// The instant in Europe/Paris: `12 March 2026 at 09:30` or `12 mars 2026 à 09:30`.
    pub fn date_time(self, instant: OffsetDateTime) -> String {
        let (date, hour, minute) = in_paris(instant);
        let at = match self {
            Language::En => "at",
            Language::Fr => "à",
        };
        format!("{} {at} {hour:02}:{minute:02}", self.date(date))
    }

    fn month_name(self, month: time::Month) -> &'static str {
        const EN: [&str; 12] =
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        const FR: [&str; 12] =
            ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
        let index = usize::from(u8::from(month)) - 1;
        match self {
            Language::En => EN[index],
            Language::Fr => FR[index],
        }
    }
}

/// The calendar date, hour and minute of an instant in Europe/Paris (summer time included),
/// from the time zone database built into the binary.
pub fn in_paris(instant: OffsetDateTime) -> (Date, u8, u8) {
    static PARIS: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    let zone = PARIS.get_or_init(|| jiff::tz::TimeZone::get("Europe/Paris").expect("the bundled database has Europe/Paris"));
    let offset_seconds = jiff::Timestamp::from_second(instant.unix_timestamp()).map_or(0, |stamp| zone.to_offset(stamp).seconds());
    let local = instant.to_offset(time::UtcOffset::from_whole_seconds(offset_seconds).unwrap_or(time::UtcOffset::UTC));
    (local.date(), local.hour(), local.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn accepting(value: &str) -> Language {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
        Language::from_accept_language(&headers)
    }

    #[test]
    fn accept_language_picks_the_preferred_spoken_language() {
        assert_eq!(accepting("fr-FR,fr;q=0.9,en;q=0.8"), Language::Fr);
        assert_eq!(accepting("de-DE, en;q=0.5, fr;q=0.7"), Language::Fr);
        assert_eq!(accepting("en-GB, fr"), Language::En);
        assert_eq!(accepting("fr;q=0, de"), Language::En);
        assert_eq!(accepting("de"), Language::En);
        assert_eq!(Language::from_accept_language(&HeaderMap::new()), Language::En);
    }

    #[test]
    fn numbers_and_dates_read_as_people_write_them() {
        assert_eq!(Language::Fr.number(1234), "1\u{202f}234");
        assert_eq!(Language::En.number(1_234_567), "1,234,567");
        assert_eq!(Language::Fr.number(999), "999");
        assert_eq!(Language::Fr.date(date!(2026 - 08 - 01)), "1 août 2026");
        // Winter: UTC+1; summer: UTC+2; the switch on the last Sunday of March at 01:00 UTC.
        assert_eq!(Language::Fr.date_time(datetime!(2026-03-12 08:30 UTC)), "12 mars 2026 à 09:30");
        assert_eq!(Language::En.date_time(datetime!(2026-03-29 00:59 UTC)), "29 March 2026 at 01:59");
        assert_eq!(Language::En.date_time(datetime!(2026-03-29 01:00 UTC)), "29 March 2026 at 03:00");
        assert_eq!(Language::Fr.date_time(datetime!(2026-12-31 23:30 UTC)), "1 janvier 2027 à 00:30");
    }
}
