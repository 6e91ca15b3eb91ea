//! The end caller of a request that the matching core forwards to a node or a partner.
//!
//! The core calls the nodes with its own identity and says on whose behalf in one metadata
//! entry; a server believes it only from identities its configuration lists as trusted
//! forwarders, so that police of country X get X's restricted data through the core, and
//! nobody else can claim to be police by setting a header.

use crate::caller::{Caller, Transport};
use crate::role::Role;

/// The gRPC metadata key carrying the end caller: `ROLE;COUNTRY;NAME`.
pub const ON_BEHALF_OF: &str = "x-sismatch-on-behalf-of";

/// Characters kept in a forwarded name: header values must be visible ASCII, and `;`
/// separates the parts.
fn header_safe(c: char) -> bool {
    c.is_ascii_graphic() && c != ';' || c == ' '
}

/// The metadata value for `caller`.
pub fn encode_on_behalf_of(caller: &Caller) -> String {
    let name: String = caller
        .name
        .chars()
        .map(|c| if header_safe(c) { c } else { '?' })
        .collect();
    format!(
        "{};{};{name}",
        caller.role,
        caller.country.as_deref().unwrap_or("")
    )
}

/// The end caller a trusted `forwarder` named, or None when the value is malformed.
pub fn decode_on_behalf_of(value: &str, forwarder: &Caller) -> Option<Caller> {
    let mut parts = value.splitn(3, ';');
    let role: Role = parts.next()?.parse().ok()?;
    let country = parts.next()?.trim().to_ascii_uppercase();
    let name = parts.next()?.trim();
    if name.is_empty() {
        return None;
    }
    let country = if country.is_empty() {
        None
    } else if sismatch_ident::is_country_code(&country) {
        Some(country)
    } else {
        return None;
    };
    if role == Role::Police && country.is_none() {
        return None;
    }
    Some(Caller {
        name: name.to_string(),
        role,
        country,
        transport: if forwarder.transport == Transport::MutualTls {
            Transport::MutualTls
        } else {
            forwarder.transport
        },
        via: Some(forwarder.name.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core() -> Caller {
        Caller {
            name: "core".to_string(),
            role: Role::Operator,
            country: None,
            transport: Transport::MutualTls,
            via: None,
        }
    }

    #[test]
    fn round_trip_and_malformed_values() {
        let officer = Caller {
            name: "politie;NL\u{e9}".to_string(),
            role: Role::Police,
            country: Some("NL".to_string()),
            transport: Transport::MutualTls,
            via: None,
        };
        let value = encode_on_behalf_of(&officer);
        assert_eq!(value, "POLICE;NL;politie?NL?");
        let decoded = decode_on_behalf_of(&value, &core()).unwrap();
        assert_eq!(decoded.role, Role::Police);
        assert_eq!(decoded.country.as_deref(), Some("NL"));
        assert_eq!(decoded.via.as_deref(), Some("core"));
        for bad in [
            "",
            "POLICE",
            "POLICE;;x",
            "KING;NL;x",
            "POLICE;XX;x",
            "DEALER;;",
        ] {
            assert!(decode_on_behalf_of(bad, &core()).is_none(), "{bad}");
        }
    }
}
