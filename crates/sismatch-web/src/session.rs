//! Signed-in sessions, held in memory: an unguessable id in a cookie that scripts cannot read
//! (HttpOnly), that other sites cannot send (SameSite=Strict), sent only over HTTPS (Secure,
//! unless the operator turns it off for plain-HTTP local use), ending after `idle` without use
//! and at the latest `lifetime` after sign-in. Each session has its own CSRF token, which
//! every form carries. A restart signs everyone out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sismatch_proto::v1;

use crate::accounts::Account;
use crate::check::CheckView;
use crate::pages::search::SearchForm;
use crate::random;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sismatch_session";
/// The cookie holding the sign-in form's CSRF token (before there is a session).
pub const LOGIN_COOKIE: &str = "sismatch_login";
/// The language cookie set by the language switch.
pub const LANG_COOKIE: &str = "sismatch_lang";

/// Sessions kept at most; the oldest are dropped beyond (bounds memory).
const MAX_SESSIONS: usize = 10_000;

/// A search as typed, as sent, and as answered.
#[derive(Debug, Clone)]
pub struct LastSearch {
    /// The form as typed.
    pub form: SearchForm,
    /// The request it made.
    pub request: v1::MatchingCoreSearchRequest,
    /// The core's answer.
    pub answer: v1::MatchingCoreSearchResponse,
}

/// One signed-in person's session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who signed in.
    pub person: Account,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// The last check, shown after the redirect and printed as a certificate.
    pub last_check: Option<CheckView>,
    /// The last search, shown after the redirect and asked again after a hit report.
    pub last_search: Option<LastSearch>,
    /// A one-time message for the next page (`ok` or `error`, text).
    pub flash: Option<(&'static str, String)>,
    signed_in: Instant,
    last_used: Instant,
}

/// The sessions of one web server.
#[derive(Debug)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    idle: Duration,
    lifetime: Duration,
}

impl Sessions {
    /// Sessions ending after `idle` without a request, and `lifetime` after sign-in.
    pub fn new(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions {
            sessions: Mutex::new(HashMap::new()),
            idle,
            lifetime,
        }
    }

    /// How long a session lasts at most (the cookie's Max-Age).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new session for `person`: its id, or None without randomness.
    pub fn create(&self, person: Account, now: Instant) -> Option<String> {
        let id = random::token()?;
        let csrf = random::token()?;
        let mut sessions = self.lock();
        let (idle, lifetime) = (self.idle, self.lifetime);
        sessions.retain(|_, s| alive(s, now, idle, lifetime));
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(id, _)| id.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            id.clone(),
            Session {
                person,
                csrf,
                last_check: None,
                last_search: None,
                flash: None,
                signed_in: now,
                last_used: now,
            },
        );
        Some(id)
    }

    /// The live session `id`, marked used now; an expired one is removed.
    pub fn get(&self, id: &str, now: Instant) -> Option<Session> {
        let mut sessions = self.lock();
        let session = sessions.get_mut(id)?;
        if !alive(session, now, self.idle, self.lifetime) {
            sessions.remove(id);
            return None;
        }
        session.last_used = now;
        Some(session.clone())
    }

    /// Changes session `id`, if it still exists.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut Session)) {
        if let Some(session) = self.lock().get_mut(id) {
            change(session);
        }
    }

    /// Takes the one-time message of session `id`.
    pub fn take_flash(&self, id: &str) -> Option<(&'static str, String)> {
        self.lock().get_mut(id).and_then(|s| s.flash.take())
    }

    /// Ends session `id` (sign-out).
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}

fn alive(session: &Session, now: Instant, idle: Duration, lifetime: Duration) -> bool {
    now.duration_since(session.last_used) < idle && now.duration_since(session.signed_in) < lifetime
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, `Secure` when `secure`;
/// `max_age` None removes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> String {
    let age = max_age.map_or(0, |age| age.as_secs());
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sismatch_auth::Role;

    fn dealer() -> Account {
        Account {
            name: "garage".to_string(),
            role: Role::Dealer,
            country: None,
            dealer_id: None,
        }
    }

    #[test]
    fn sessions_end_when_idle_or_too_old_and_on_sign_out() {
        let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(300));
        let start = Instant::now();
        let id = sessions.create(dealer(), start).unwrap();
        let session = sessions.get(&id, start + Duration::from_secs(59)).unwrap();
        assert_eq!(session.csrf.len(), 64);
        assert_ne!(session.csrf, id);
        assert!(
            sessions
                .get(&id, start + Duration::from_secs(118))
                .is_some()
        );
        assert!(
            sessions
                .get(&id, start + Duration::from_secs(179))
                .is_none(),
            "idle"
        );
        let id = sessions.create(dealer(), start).unwrap();
        for minute in 1..=4 {
            assert!(
                sessions
                    .get(&id, start + Duration::from_secs(minute * 59))
                    .is_some()
            );
        }
        assert!(
            sessions
                .get(&id, start + Duration::from_secs(301))
                .is_none(),
            "lifetime"
        );
        let id = sessions.create(dealer(), start).unwrap();
        sessions.remove(&id);
        assert!(sessions.get(&id, start).is_none());
        assert!(sessions.get("forged", start).is_none());
    }

    #[test]
    fn cookies_are_read_and_written_safely() {
        let header = Some("a=1; sismatch_session=abc ; b=2");
        assert_eq!(cookie(header, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(header, "c"), None);
        assert_eq!(
            set_cookie(SESSION_COOKIE, "abc", Some(Duration::from_secs(60)), true),
            "sismatch_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
        );
        assert!(set_cookie(SESSION_COOKIE, "", None, false).ends_with("Max-Age=0"));
    }
}
