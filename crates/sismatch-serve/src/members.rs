//! The core's members: which node answers for which country, under which name, at which
//! address. One rule for the command line, the config file and a local federation.

use sismatch_core::MemberConfig;

/// `http://` in front of a bare `host:port`.
pub fn with_scheme(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

/// Members named by country, a second node of a country as `CC-2`, and so on.
pub fn members(nodes: Vec<(String, String, Option<String>)>) -> Vec<MemberConfig> {
    let mut members: Vec<MemberConfig> = Vec::with_capacity(nodes.len());
    for (country, address, name) in nodes {
        let country = country.trim().to_ascii_uppercase();
        let name = name.unwrap_or_else(|| {
            let before = members.iter().filter(|m| m.country == country).count();
            if before == 0 {
                country.clone()
            } else {
                format!("{country}-{}", before + 1)
            }
        });
        members.push(MemberConfig {
            name,
            country,
            address: with_scheme(address.trim()),
        });
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_of_one_country_get_numbered_names() {
        let named = members(vec![
            ("nl".to_string(), "127.0.0.1:1".to_string(), None),
            ("NL".to_string(), "127.0.0.1:2".to_string(), None),
            (
                "BE".to_string(),
                "https://be.example:7443".to_string(),
                None,
            ),
        ]);
        let names: Vec<&str> = named.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["NL", "NL-2", "BE"]);
        assert_eq!(named[0].address, "http://127.0.0.1:1");
        assert_eq!(named[2].address, "https://be.example:7443");
    }
}
