//! The identities a server knows, and turning a connection into a [`Caller`].

use std::collections::{BTreeMap, BTreeSet};

use sismatch_ident::is_country_code;

use crate::caller::{Caller, Transport};
use crate::error::{AuthError, Result};
use crate::forward::decode_on_behalf_of;
use crate::policy::Policy;
use crate::role::Role;

/// Shortest bearer token accepted in a configuration: anything shorter is guessable.
const MIN_TOKEN: usize = 16;

/// Whether a server identifies its callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Every caller is the anonymous open caller (every RPC, never restricted data): the
    /// local demo and tests. A server logs a warning when it runs like this.
    Open,
    /// Every caller must present a known client certificate (or, where accepted, a token).
    Required,
}

/// One known identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityEntry {
    /// The client certificate subject's common name, or the token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its country; required for police.
    pub country: Option<String>,
    /// A bearer token standing for this identity (only with `accept_tokens`).
    pub token: Option<String>,
}

/// The `[auth]` settings of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// Open or required.
    pub mode: AuthMode,
    /// Whether bearer tokens are accepted in place of client certificates (local use).
    pub accept_tokens: bool,
    /// The known identities.
    pub identities: Vec<IdentityEntry>,
    /// Identities (a matching core) allowed to name the end caller of a forwarded request.
    pub trusted_forwarders: Vec<String>,
    /// Per-RPC overrides of the default policy.
    pub policy: Vec<(String, Vec<Role>)>,
}

impl AuthSettings {
    /// Open mode, no identities: the settings of a server without an `[auth]` section.
    pub fn open() -> AuthSettings {
        AuthSettings {
            mode: AuthMode::Open,
            accept_tokens: false,
            identities: Vec::new(),
            trusted_forwarders: Vec::new(),
            policy: Vec::new(),
        }
    }
}

/// The identities and policy of one server, checked once at start.
#[derive(Debug, Clone)]
pub struct Directory {
    mode: AuthMode,
    accept_tokens: bool,
    by_name: BTreeMap<String, IdentityEntry>,
    by_token: BTreeMap<String, String>,
    forwarders: BTreeSet<String>,
    policy: Policy,
}

fn check_entry(i: usize, entry: &IdentityEntry, accept_tokens: bool) -> Result<()> {
    let field = |key: &str| format!("auth.identities[{i}].{key}");
    if entry.name.trim().is_empty() {
        return Err(AuthError::invalid(field("name"), "empty"));
    }
    match &entry.country {
        Some(country) if !is_country_code(country) => {
            return Err(AuthError::invalid(
                field("country"),
                format!("'{country}' is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        None if entry.role == Role::Police => {
            return Err(AuthError::invalid(
                field("country"),
                "required for POLICE (restricted data goes to police of the issuing country only)",
            ));
        }
        _ => {}
    }
    if let Some(token) = &entry.token {
        if !accept_tokens {
            return Err(AuthError::invalid(
                field("token"),
                "tokens are refused unless auth.accept_tokens = true",
            ));
        }
        if token.len() < MIN_TOKEN {
            return Err(AuthError::invalid(
                field("token"),
                format!("shorter than {MIN_TOKEN} characters"),
            ));
        }
    }
    Ok(())
}

impl Directory {
    /// Checks `settings` and builds the directory; errors name the configuration key.
    pub fn new(settings: AuthSettings) -> Result<Directory> {
        let policy = Policy::with_overrides(&settings.policy)?;
        let mut by_name = BTreeMap::new();
        let mut by_token = BTreeMap::new();
        for (i, mut entry) in settings.identities.into_iter().enumerate() {
            entry.country = entry.country.map(|c| c.trim().to_ascii_uppercase());
            check_entry(i, &entry, settings.accept_tokens)?;
            if let Some(token) = &entry.token
                && by_token.insert(token.clone(), entry.name.clone()).is_some()
            {
                return Err(AuthError::invalid(
                    format!("auth.identities[{i}].token"),
                    "the same token is given to two identities",
                ));
            }
            if by_name.insert(entry.name.clone(), entry).is_some() {
                return Err(AuthError::invalid(
                    format!("auth.identities[{i}].name"),
                    "two identities with this name",
                ));
            }
        }
        for (i, name) in settings.trusted_forwarders.iter().enumerate() {
            if !by_name.contains_key(name) {
                return Err(AuthError::invalid(
                    format!("auth.trusted_forwarders[{i}]"),
                    format!("'{name}' is not one of auth.identities"),
                ));
            }
        }
        Ok(Directory {
            mode: settings.mode,
            accept_tokens: settings.accept_tokens,
            by_name,
            by_token,
            forwarders: settings.trusted_forwarders.into_iter().collect(),
            policy,
        })
    }

    /// A directory in open mode with the default policy.
    pub fn open() -> Directory {
        Directory {
            mode: AuthMode::Open,
            accept_tokens: false,
            by_name: BTreeMap::new(),
            by_token: BTreeMap::new(),
            forwarders: BTreeSet::new(),
            policy: Policy::default(),
        }
    }

    /// Whether callers are not identified (open mode).
    pub fn is_open(&self) -> bool {
        self.mode == AuthMode::Open
    }

    /// The RPC policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn caller(&self, name: &str, transport: Transport) -> Option<Caller> {
        let entry = self.by_name.get(name)?;
        Some(Caller {
            name: entry.name.clone(),
            role: entry.role,
            country: entry.country.clone(),
            transport,
            via: None,
        })
    }

    /// The caller of a request: from the client certificate's subject (`certificate`), else
    /// from a bearer token where tokens are accepted, then, when the caller is a trusted
    /// forwarder and names one, the end caller it forwards for.
    pub fn authenticate(
        &self,
        certificate: Option<&str>,
        bearer: Option<&str>,
        on_behalf_of: Option<&str>,
    ) -> Result<Caller> {
        if self.is_open() {
            return Ok(Caller::open());
        }
        let caller = match (certificate, bearer) {
            (Some(subject), _) => self.caller(subject, Transport::MutualTls).ok_or_else(|| {
                AuthError::Unauthenticated(format!(
                    "client certificate '{subject}' is not a known identity"
                ))
            })?,
            (None, Some(_)) if !self.accept_tokens => {
                return Err(AuthError::Unauthenticated(
                    "bearer tokens are not accepted here: use a client certificate".to_string(),
                ));
            }
            (None, Some(token)) => self
                .by_token
                .get(token)
                .and_then(|name| self.caller(name, Transport::Token))
                .ok_or_else(|| AuthError::Unauthenticated("unknown bearer token".to_string()))?,
            (None, None) => {
                return Err(AuthError::Unauthenticated(
                    "no client certificate and no bearer token".to_string(),
                ));
            }
        };
        let Some(value) = on_behalf_of else {
            return Ok(caller);
        };
        if !self.forwarders.contains(&caller.name) {
            return Err(AuthError::PermissionDenied(format!(
                "{} may not act on behalf of other callers",
                caller.name
            )));
        }
        decode_on_behalf_of(value, &caller).ok_or_else(|| {
            AuthError::Unauthenticated(format!("malformed on-behalf-of value '{value}'"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, role: Role, country: Option<&str>, token: Option<&str>) -> IdentityEntry {
        IdentityEntry {
            name: name.to_string(),
            role,
            country: country.map(str::to_string),
            token: token.map(str::to_string),
        }
    }

    fn directory() -> Directory {
        Directory::new(AuthSettings {
            mode: AuthMode::Required,
            accept_tokens: true,
            identities: vec![
                entry("politie-nl", Role::Police, Some("nl"), None),
                entry("core", Role::Operator, None, None),
                entry("garage", Role::Dealer, None, Some("0123456789abcdef")),
            ],
            trusted_forwarders: vec!["core".to_string()],
            policy: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn certificates_tokens_and_forwarding() {
        let directory = directory();
        let police = directory
            .authenticate(Some("politie-nl"), None, None)
            .unwrap();
        assert_eq!(police.country.as_deref(), Some("NL"));
        assert_eq!(police.transport, Transport::MutualTls);
        let dealer = directory
            .authenticate(None, Some("0123456789abcdef"), None)
            .unwrap();
        assert_eq!(dealer.role, Role::Dealer);
        assert_eq!(dealer.transport, Transport::Token);
        let forwarded = directory
            .authenticate(Some("core"), None, Some("POLICE;BE;agent-7"))
            .unwrap();
        assert_eq!(forwarded.role, Role::Police);
        assert_eq!(forwarded.via.as_deref(), Some("core"));
        assert!(matches!(
            directory.authenticate(Some("politie-nl"), None, Some("POLICE;BE;x")),
            Err(AuthError::PermissionDenied(_))
        ));
        for (certificate, token) in [(Some("stranger"), None), (None, Some("nope")), (None, None)] {
            assert!(matches!(
                directory.authenticate(certificate, token, None),
                Err(AuthError::Unauthenticated(_))
            ));
        }
    }

    #[test]
    fn settings_errors_name_the_key() {
        let bad = |identities: Vec<IdentityEntry>, accept_tokens: bool| {
            Directory::new(AuthSettings {
                mode: AuthMode::Required,
                accept_tokens,
                identities,
                trusted_forwarders: Vec::new(),
                policy: Vec::new(),
            })
            .unwrap_err()
            .to_string()
        };
        let message = bad(vec![entry("p", Role::Police, None, None)], false);
        assert!(
            message.starts_with("auth.identities[0].country"),
            "{message}"
        );
        let message = bad(
            vec![entry("d", Role::Dealer, None, Some("0123456789abcdef"))],
            false,
        );
        assert!(message.starts_with("auth.identities[0].token"), "{message}");
        let message = bad(vec![entry("d", Role::Dealer, None, Some("short"))], true);
        assert!(message.contains("shorter"), "{message}");
        let message = bad(
            vec![
                entry("a", Role::Dealer, None, None),
                entry("a", Role::Operator, None, None),
            ],
            false,
        );
        assert!(message.starts_with("auth.identities[1].name"), "{message}");
    }

    #[test]
    fn open_mode_is_anonymous() {
        let caller = Directory::open().authenticate(None, None, None).unwrap();
        assert_eq!(caller, Caller::open());
    }
}
