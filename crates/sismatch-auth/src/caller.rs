//! The caller of one request, as the server established it.

use crate::role::Role;

/// How the caller's identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The subject of a client certificate on a mutually authenticated TLS connection.
    MutualTls,
    /// A bearer token from the configuration (local use, where the configuration allows it).
    Token,
    /// No authentication: the server runs in open mode (local demo and tests only).
    Open,
}

/// Who is calling: the identity, its role and, for police, its country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The identity's name: the certificate subject's common name or the token's name.
    pub name: String,
    /// What the caller may do and see.
    pub role: Role,
    /// The caller's country (ISO 3166-1 alpha-2); set for police.
    pub country: Option<String>,
    /// How the identity was established.
    pub transport: Transport,
    /// For a request forwarded by a trusted core, the core's own identity name.
    pub via: Option<String>,
}

impl Caller {
    /// The caller of a server in open mode: may call every RPC, and is police of no country,
    /// so it never receives restricted data.
    pub fn open() -> Caller {
        Caller {
            name: "anonymous".to_string(),
            role: Role::Operator,
            country: None,
            transport: Transport::Open,
            via: None,
        }
    }

    /// Whether the caller may receive the restricted part (owner and victim data) of an alert
    /// issued by `issuing_country`: only police of that country (DESIGN §4).
    pub fn may_see_restricted_of(&self, issuing_country: &str) -> bool {
        self.role == Role::Police
            && self
                .country
                .as_deref()
                .is_some_and(|country| country.eq_ignore_ascii_case(issuing_country))
    }

    /// Whether the identity came from a mutually authenticated TLS connection (for a
    /// forwarded request: whether the forwarder's did).
    pub fn over_mutual_tls(&self) -> bool {
        self.transport == Transport::MutualTls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, country: Option<&str>) -> Caller {
        Caller {
            name: "x".to_string(),
            role,
            country: country.map(str::to_string),
            transport: Transport::MutualTls,
            via: None,
        }
    }

    #[test]
    fn only_police_of_the_issuing_country_sees_restricted_data() {
        assert!(caller(Role::Police, Some("NL")).may_see_restricted_of("NL"));
        assert!(caller(Role::Police, Some("nl")).may_see_restricted_of("NL"));
        assert!(!caller(Role::Police, Some("BE")).may_see_restricted_of("NL"));
        assert!(!caller(Role::Police, None).may_see_restricted_of("NL"));
        assert!(!caller(Role::Operator, Some("NL")).may_see_restricted_of("NL"));
        assert!(!caller(Role::Dealer, Some("NL")).may_see_restricted_of("NL"));
        assert!(!Caller::open().may_see_restricted_of("NL"));
    }
}
