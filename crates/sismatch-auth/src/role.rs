//! The four roles of DESIGN §4.

use std::fmt;
use std::str::FromStr;

use sismatch_proto::v1;

/// What a caller is, which decides what it may call and what it gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Police of one country: searches, reports hits, requests partner look-ups.
    Police,
    /// A dealer: checks identifiers, gets hit / no-hit and a reference only.
    Dealer,
    /// A manufacturer: answers partner look-ups, gets nothing from the nodes.
    Manufacturer,
    /// An operator: imports, administers, reads the audit log, runs benchmarks.
    Operator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [
        Role::Police,
        Role::Dealer,
        Role::Manufacturer,
        Role::Operator,
    ];

    /// The stable name used in configuration files and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Police => "POLICE",
            Role::Dealer => "DEALER",
            Role::Manufacturer => "MANUFACTURER",
            Role::Operator => "OPERATOR",
        }
    }

    /// The wire value (`sismatch.v1.Role`).
    pub fn to_proto(self) -> i32 {
        let role = match self {
            Role::Police => v1::Role::Police,
            Role::Dealer => v1::Role::Dealer,
            Role::Manufacturer => v1::Role::Manufacturer,
            Role::Operator => v1::Role::Operator,
        };
        role.into()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Role, String> {
        let upper = text.trim().to_ascii_uppercase();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == upper)
            .ok_or_else(|| {
                format!("'{text}' is not a role (POLICE, DEALER, MANUFACTURER, OPERATOR)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_ne!(role.to_proto(), 0);
        }
        assert_eq!("police".parse::<Role>(), Ok(Role::Police));
        assert!("admin".parse::<Role>().is_err());
    }
}
