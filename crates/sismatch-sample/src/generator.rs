//! The streaming generator: object `i` is made from a seed derived from `(seed, i)` alone, so
//! the generator holds counters and nothing else, and ten million alerts cost no more memory
//! than ten.

use std::iter::FusedIterator;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sismatch_alert::Alert;

use crate::config::{Result, SampleConfig};
use crate::objects::{Object, object};
use crate::report::{BASE_TIME, Report, alert};
use crate::rng::Rng;

/// One generated alert and the object it reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The object number: the two alerts of an object reported in two countries share it,
    /// which is how a test or a benchmark knows that the federation should group them.
    pub object: u64,
    /// The alert, valid for the node of its country, with its id assigned.
    pub alert: Alert,
}

/// Stream tags, so that the object and each of its reports draw from independent streams.
const OBJECT_STREAM: u64 = 1;
const REPORT_STREAM: u64 = 2;

/// The longest time between a theft and its report, in seconds.
const REPORT_DELAY: u64 = 3 * 24 * 3_600;
/// The longest time between the first and the second country's report, in seconds.
const SECOND_REPORT_DELAY: u64 = 30 * 24 * 3_600;
/// Thefts fall within this many seconds before [`BASE_TIME`] (two years), and at least
/// [`REPORT_DELAY`] plus [`SECOND_REPORT_DELAY`] before it, so that every report precedes it.
const THEFT_WINDOW: u64 = 730 * 24 * 3_600;

/// An iterator over `alerts` samples, spread over the configured countries.
///
/// Streaming: it keeps counters only, never the alerts it produced, so a benchmark corpus of
/// any size can be written out as it is generated. The two alerts of a shared object come one
/// after the other.
#[derive(Debug, Clone)]
pub struct Generator {
    config: SampleConfig,
    /// Alerts produced so far.
    emitted: u64,
    /// The number of the object being reported.
    object: u64,
    /// Whether the current object's second report is due.
    second_due: bool,
}

/// What both reports of an object share.
struct Plan {
    object: Object,
    /// Indexes into the configured countries: first and second reporting country.
    countries: [usize; 2],
    shared: bool,
    stolen_at: Timestamp,
    first_reported_at: Timestamp,
}

impl Generator {
    /// A generator for `config`, or what is wrong with the configuration.
    pub fn new(config: &SampleConfig) -> Result<Generator> {
        config.check()?;
        Ok(Generator {
            config: config.clone(),
            emitted: 0,
            object: 0,
            second_due: false,
        })
    }

    fn plan(&self, number: u64) -> Plan {
        let mut rng = Rng::keyed(&[self.config.seed, number, OBJECT_STREAM]);
        let count = self.config.countries.len();
        let first = rng.index(count);
        let shared = count >= 2 && rng.chance(self.config.shared_per_mille);
        let second = (first + 1 + rng.index(count.saturating_sub(1))) % count;
        let before_base = SECOND_REPORT_DELAY + REPORT_DELAY + rng.below(THEFT_WINDOW);
        let stolen_at = BASE_TIME - seconds(before_base);
        let first_reported_at = stolen_at + seconds(rng.between(1_800, REPORT_DELAY));
        let home = &self.config.countries[first];
        let theft_year = stolen_at.to_zoned(TimeZone::UTC).year();
        let newest = u16::try_from(theft_year).unwrap_or(u16::MAX);
        Plan {
            object: object(&mut rng, home, newest),
            countries: [first, second],
            shared,
            stolen_at,
            first_reported_at,
        }
    }
}

fn seconds(n: u64) -> SignedDuration {
    SignedDuration::from_secs(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Iterator for Generator {
    type Item = Sample;

    fn next(&mut self) -> Option<Sample> {
        if self.emitted >= self.config.alerts {
            return None;
        }
        let number = self.object;
        let plan = self.plan(number);
        let second = self.second_due;
        let part = u64::from(second);
        let mut rng = Rng::keyed(&[self.config.seed, number, REPORT_STREAM, part]);
        let reported_at = if second {
            plan.first_reported_at + seconds(rng.between(3_600, SECOND_REPORT_DELAY))
        } else {
            plan.first_reported_at
        };
        let country = &self.config.countries[plan.countries[usize::from(second)]];
        let report = Report {
            country,
            id: format!("{country}-S{:08}", self.emitted + 1),
            stolen_at: plan.stolen_at,
            reported_at,
            second,
        };
        let sample = Sample {
            object: number,
            alert: alert(&plan.object, report, &mut rng),
        };
        self.emitted += 1;
        // A shared object whose second report would not fit in the count stays single.
        let remaining = self.config.alerts - self.emitted;
        self.second_due = !second && plan.shared && remaining >= 1;
        if !self.second_due {
            self.object += 1;
        }
        Some(sample)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = usize::try_from(self.config.alerts - self.emitted).ok();
        (remaining.unwrap_or(usize::MAX), remaining)
    }
}

impl FusedIterator for Generator {}
