//! What to generate, and what can be wrong with that request.

use sismatch_ident::is_country_code;

/// What to generate: which countries report, how many alerts, from which seed.
///
/// The seed is the whole identity of a corpus: the same configuration gives the same alerts on
/// every machine, so a benchmark run can be repeated and two runs compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleConfig {
    /// ISO 3166-1 alpha-2 codes (upper case) of the reporting countries, one national node
    /// each; objects are spread over them.
    pub countries: Vec<String>,
    /// How many alerts to generate in total, over all countries.
    pub alerts: u64,
    /// The seed of the pseudo-random generator.
    pub seed: u64,
    /// Per mille of objects reported in two countries (two alerts sharing their identifiers),
    /// so that the federation's cross-border grouping has something to find. Needs at least two
    /// countries; ignored with one.
    pub shared_per_mille: u32,
}

impl Default for SampleConfig {
    /// The demo federation: three neighbouring countries with three languages between them,
    /// 3,000 alerts, 2 % of the objects reported twice.
    fn default() -> SampleConfig {
        SampleConfig {
            countries: ["NL", "BE", "FR"].map(str::to_string).to_vec(),
            alerts: 3_000,
            seed: 42,
            shared_per_mille: 20,
        }
    }
}

/// A configuration the generator cannot work with. Always the caller's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// No country to report the alerts.
    #[error("countries: at least one country is required")]
    NoCountries,
    /// A country that is not an upper-case ISO 3166-1 alpha-2 code.
    #[error("countries: '{0}' is not an ISO 3166-1 alpha-2 code (upper case, such as NL)")]
    InvalidCountry(String),
    /// A country listed twice, which would skew the spread of objects.
    #[error("countries: '{0}' is listed twice")]
    DuplicateCountry(String),
    /// A share above 1000 per mille.
    #[error("shared_per_mille: {0} is above 1000")]
    InvalidShare(u32),
}

/// The result of the sample generator's fallible calls.
pub type Result<T> = std::result::Result<T, SampleError>;

impl SampleConfig {
    /// Checks the configuration, naming the key at fault.
    pub(crate) fn check(&self) -> Result<()> {
        if self.countries.is_empty() {
            return Err(SampleError::NoCountries);
        }
        for (i, country) in self.countries.iter().enumerate() {
            if !is_country_code(country) {
                return Err(SampleError::InvalidCountry(country.clone()));
            }
            if self.countries[..i].contains(country) {
                return Err(SampleError::DuplicateCountry(country.clone()));
            }
        }
        if self.shared_per_mille > 1000 {
            return Err(SampleError::InvalidShare(self.shared_per_mille));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_countries(countries: &[&str]) -> SampleConfig {
        SampleConfig {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            ..SampleConfig::default()
        }
    }

    #[test]
    fn rejects_what_cannot_be_generated() {
        assert_eq!(SampleConfig::default().check(), Ok(()));
        assert_eq!(with_countries(&[]).check(), Err(SampleError::NoCountries));
        assert_eq!(
            with_countries(&["NL", "nl"]).check(),
            Err(SampleError::InvalidCountry("nl".to_string()))
        );
        assert_eq!(
            with_countries(&["XX"]).check(),
            Err(SampleError::InvalidCountry("XX".to_string()))
        );
        assert_eq!(
            with_countries(&["NL", "BE", "NL"]).check(),
            Err(SampleError::DuplicateCountry("NL".to_string()))
        );
        let share = SampleConfig {
            shared_per_mille: 1001,
            ..SampleConfig::default()
        };
        assert_eq!(share.check(), Err(SampleError::InvalidShare(1001)));
        assert!(
            SampleError::InvalidCountry("nl".to_string())
                .to_string()
                .starts_with("countries: ")
        );
    }
}
