//! The people who may sign in, from the web server's configuration: a name, a role, a
//! country for police, a dealer id for dealers, and an Argon2 hash of the password (never the
//! password). `sismatch web user add` makes the hash.

use std::collections::BTreeMap;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::Deserialize;
use sismatch_auth::{Caller, Role, Transport};

use crate::error::{Result, WebError};

/// Longest user name: it travels to the core in a metadata header and into the audit log.
const MAX_NAME: usize = 64;

/// Shortest password the helper hashes.
pub const MIN_PASSWORD: usize = 10;

/// One `[[users]]` entry of the web server's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    /// The sign-in name (letters, digits, `.`, `_`, `-`, `@`); named in the core's audit log.
    pub name: String,
    /// `DEALER`, `POLICE` or `OPERATOR`.
    pub role: String,
    /// ISO 3166-1 alpha-2 country; required for police.
    pub country: Option<String>,
    /// The dealer's business id (shown on check certificates); dealers only.
    pub dealer_id: Option<String>,
    /// The Argon2 hash of the password in PHC form (`$argon2id$v=19$...`).
    pub password_hash: String,
}

/// A signed-in person: who, with what role, for which country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The sign-in name.
    pub name: String,
    /// What the person may do.
    pub role: Role,
    /// The person's country (police).
    pub country: Option<String>,
    /// The dealer's business id.
    pub dealer_id: Option<String>,
}

impl Account {
    /// The end caller the web server names to the core (it forwards on this person's behalf).
    pub fn caller(&self) -> Caller {
        Caller {
            name: format!("web:{}", self.name),
            role: self.role,
            country: self.country.clone(),
            transport: Transport::Open,
            via: None,
        }
    }

    /// Whether this person may use the dealer check.
    pub fn may_check(&self) -> bool {
        matches!(self.role, Role::Dealer | Role::Operator)
    }

    /// Whether this person may search and report hits.
    pub fn may_search(&self) -> bool {
        matches!(self.role, Role::Police | Role::Operator)
    }

    /// Whether this person may see the operator status page.
    pub fn may_see_status(&self) -> bool {
        self.role == Role::Operator
    }

    /// The page a person lands on after signing in.
    pub fn home(&self) -> &'static str {
        match self.role {
            Role::Police => "/search",
            Role::Operator => "/status",
            _ => "/check",
        }
    }
}

/// The accounts of the configuration, checked once at start.
#[derive(Debug, Default)]
pub struct Accounts {
    by_name: BTreeMap<String, (Account, String)>,
    dummy: String,
}

/// Whether `name` is a valid sign-in name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// The role of a `role` setting; the web page serves no manufacturers (they query nothing).
pub fn parse_role(key: &str, text: &str) -> Result<Role> {
    let role: Role = text.parse().map_err(|_| {
        WebError::config(key, format!("'{text}' is not DEALER, POLICE or OPERATOR"))
    })?;
    if role == Role::Manufacturer {
        return Err(WebError::config(
            key,
            "MANUFACTURER has nothing to do on the web page (partners answer look-ups)",
        ));
    }
    Ok(role)
}

fn account(i: usize, entry: &UserEntry) -> Result<Account> {
    let key = |field: &str| format!("users[{i}].{field}");
    if !valid_name(&entry.name) {
        return Err(WebError::config(
            key("name"),
            format!(
                "'{}' must be 1 to {MAX_NAME} letters, digits, '.', '_', '-' or '@'",
                entry.name
            ),
        ));
    }
    let role = parse_role(&key("role"), &entry.role)?;
    let country = entry
        .country
        .as_ref()
        .map(|c| c.trim().to_ascii_uppercase());
    match &country {
        Some(c) if !sismatch_ident::is_country_code(c) => {
            return Err(WebError::config(
                key("country"),
                format!("'{c}' is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        None if role == Role::Police => {
            return Err(WebError::config(key("country"), "required for POLICE"));
        }
        _ => {}
    }
    if PasswordHash::new(&entry.password_hash).is_err() {
        return Err(WebError::config(
            key("password_hash"),
            "not an Argon2 hash in PHC form (make one with `sismatch web user add`)",
        ));
    }
    Ok(Account {
        name: entry.name.clone(),
        role,
        country,
        dealer_id: entry.dealer_id.clone(),
    })
}

impl Accounts {
    /// Checks every entry; errors name the key (`users[1].country`).
    pub fn new(entries: &[UserEntry]) -> Result<Accounts> {
        let mut by_name = BTreeMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let account = account(i, entry)?;
            let hash = entry.password_hash.clone();
            if by_name
                .insert(account.name.clone(), (account, hash))
                .is_some()
            {
                return Err(WebError::config(
                    format!("users[{i}].name"),
                    "two users with this name",
                ));
            }
        }
        Ok(Accounts {
            by_name,
            dummy: dummy_hash(),
        })
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none (then nobody can sign in).
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The account named `name` (signed in by a proxy's client certificate).
    pub fn get(&self, name: &str) -> Option<Account> {
        self.by_name.get(name).map(|(account, _)| account.clone())
    }

    /// The account if `password` is its password. Slow on purpose (Argon2): run it off the
    /// async workers. An unknown name costs a verification too, so timing does not tell
    /// which names exist.
    pub fn verify(&self, name: &str, password: &str) -> Option<Account> {
        let Some((account, hash)) = self.by_name.get(name) else {
            let _ = verify_hash(&self.dummy, password);
            return None;
        };
        verify_hash(hash, password).then(|| account.clone())
    }
}

/// A hash of a password nobody has, verified against for unknown names.
fn dummy_hash() -> String {
    let hashed: std::result::Result<PasswordHash, _> =
        Argon2::default().hash_password_with_salt(b"nobody's password", b"sismatch-dummy-salt");
    hashed.map(|hash| hash.to_string()).unwrap_or_default()
}

fn verify_hash(hash: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// The Argon2id hash (PHC form, random salt) of `password`, for a `[[users]]` entry.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(WebError::Input(format!(
            "the password must have at least {MIN_PASSWORD} characters"
        )));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| WebError::Hash(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, role: &str, country: Option<&str>, hash: &str) -> UserEntry {
        UserEntry {
            name: name.to_string(),
            role: role.to_string(),
            country: country.map(str::to_string),
            dealer_id: None,
            password_hash: hash.to_string(),
        }
    }

    #[test]
    fn a_hashed_password_signs_in_and_nothing_else_does() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let accounts = Accounts::new(&[entry("jan", "police", Some("nl"), &hash)]).unwrap();
        let jan = accounts.verify("jan", "correct horse battery").unwrap();
        assert_eq!(jan.role, Role::Police);
        assert_eq!(jan.country.as_deref(), Some("NL"));
        assert!(accounts.verify("jan", "correct horse batterY").is_none());
        assert!(accounts.verify("piet", "correct horse battery").is_none());
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn bad_entries_are_refused_naming_the_key() {
        let hash = hash_password("correct horse battery").unwrap();
        let cases = [
            (entry("jan", "police", None, &hash), "users[0].country"),
            (entry("jan", "king", None, &hash), "users[0].role"),
            (entry("jan", "manufacturer", None, &hash), "users[0].role"),
            (entry("ja n", "dealer", None, &hash), "users[0].name"),
            (
                entry("jan", "dealer", Some("XX"), &hash),
                "users[0].country",
            ),
            (
                entry("jan", "dealer", None, "secret"),
                "users[0].password_hash",
            ),
        ];
        for (bad, key) in cases {
            let error = Accounts::new(&[bad]).unwrap_err().to_string();
            assert!(error.starts_with(key), "{error}");
        }
        let twice = [
            entry("jan", "dealer", None, &hash),
            entry("jan", "dealer", None, &hash),
        ];
        assert!(
            Accounts::new(&twice)
                .unwrap_err()
                .to_string()
                .starts_with("users[1].name")
        );
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(&dummy_hash()).is_ok());
    }
}
