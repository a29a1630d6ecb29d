//! Validated values and the closed vocabularies of the brief (roles, states, tiers, …).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused: a stable code and the numbers a sentence about it needs. The
/// adapters put it into words (a page beside the field, the API's `message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Empty,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
        got: usize,
    },
    ControlCharacters,
    NotUtf8,
    NotAnEmail,
    /// A password too common or too easy to guess.
    Guessable,
    /// Not one of a closed list of words.
    NotOneOf {
        allowed: &'static [&'static str],
    },
}

impl Invalid {
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Empty => "empty",
            Invalid::TooShort { .. } => "too_short",
            Invalid::TooLong { .. } => "too_long",
            Invalid::ControlCharacters => "control_characters",
            Invalid::NotUtf8 => "not_utf8",
            Invalid::NotAnEmail => "not_an_email",
            Invalid::Guessable => "guessable",
            Invalid::NotOneOf { .. } => "not_one_of",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::TooShort { min } => write!(f, "too_short (min {min})"),
            Invalid::TooLong { max, got } => write!(f, "too_long (max {max}, got {got})"),
            Invalid::NotOneOf { allowed } => write!(f, "not_one_of ({})", allowed.join(", ")),
            other => f.write_str(other.code()),
        }
    }
}

impl std::error::Error for Invalid {}

/// Trims, then checks length (in characters) and refuses control characters
/// (new lines and tabs are allowed only where `multiline`).
fn checked_text(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, Invalid> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars < min {
        return Err(if min == 1 { Invalid::Empty } else { Invalid::TooShort { min } });
    }
    if chars > max {
        return Err(Invalid::TooLong { max, got: chars });
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !text.chars().all(allowed) {
        return Err(Invalid::ControlCharacters);
    }
    if text.contains('\u{FFFD}') {
        return Err(Invalid::NotUtf8);
    }
    Ok(text.replace("\r\n", "\n"))
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                checked_text(raw, $min, $max, $multiline).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_value!(
    /// A request's title: one line, 1–200 characters.
    Title, 1, 200, false
);
text_value!(
    /// A request's description: 1–20,000 characters, several lines.
    Description, 1, 20_000, true
);
text_value!(
    /// A note on a triage action (resolution, reason, comment): 1–10,000 characters.
    Note, 1, 10_000, true
);
text_value!(
    /// A person's display name.
    PersonName, 1, 100, false
);
text_value!(
    /// The name of a saved queue view.
    ViewName, 1, 60, false
);
text_value!(
    /// The name of a service or category.
    CatalogName, 1, 80, false
);
text_value!(
    /// The description of a service or category (may be empty).
    CatalogDescription, 0, 2_000, true
);

/// An e-mail address, lower-cased; only its rough shape is checked (something@domain.tld).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = checked_text(raw, 1, 254, false)?.to_lowercase();
        let Some((local, domain)) = text.split_once('@') else {
            return Err(Invalid::NotAnEmail);
        };
        let shape_ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.chars().any(char::is_whitespace)
            && !domain.contains('@');
        if !shape_ok {
            return Err(Invalid::NotAnEmail);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8 to 128 characters, never truncated or trimmed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(Invalid::TooShort { min: Self::MIN_CHARS });
        }
        if chars > Self::MAX_CHARS {
            return Err(Invalid::TooLong { max: Self::MAX_CHARS, got: chars });
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password someone chooses now (setup, a new account): besides the length, not one of
    /// the common or easily guessed ones that attackers try first (ASVS 6.2.4), judged by
    /// zxcvbn's dictionaries of leaked passwords, names and patterns. `related` are words of
    /// the account (e-mail, name) that make a password guessable too.
    pub fn choose(raw: &str, related: &[&str]) -> Result<Self, Invalid> {
        let password = Self::parse(raw)?;
        // zxcvbn's work grows with the length; past 64 characters a password is not guessable
        // by its patterns anyway.
        let judged: String = raw.chars().take(64).collect();
        let guessable = zxcvbn::zxcvbn(&judged, related).score() < zxcvbn::Score::Two;
        if guessable {
            return Err(Invalid::Guessable);
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Defines a closed vocabulary stored as text: `as_str`, `parse`, `ALL`, `Display`.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal / $label:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// Words for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)*
                    _ => Err(Invalid::NotOneOf { allowed: &[$($text),*] }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What a signed-in person may do. Admins are engineers too (the team lead triages as well).
    Role { Requester => "requester" / "Requester", Engineer => "engineer" / "Engineer", Admin => "admin" / "Admin" }
);

impl Role {
    pub fn is_engineer(self) -> bool {
        matches!(self, Role::Engineer | Role::Admin)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

vocabulary!(
    /// Where a request is in its life.
    State {
        New => "new" / "New",
        InProgress => "in_progress" / "In progress",
        Waiting => "waiting" / "Waiting on requester",
        Resolved => "resolved" / "Resolved",
        Rejected => "rejected" / "Rejected",
    }
);

impl State {
    pub const OPEN: &'static [State] = &[State::New, State::InProgress, State::Waiting];

    pub fn is_final(self) -> bool {
        matches!(self, State::Resolved | State::Rejected)
    }
}

vocabulary!(
    /// How much the requester is blocked.
    Urgency { Low => "low" / "Low", Normal => "normal" / "Normal", High => "high" / "High" }
);

impl Urgency {
    /// Sort key for the queue: most urgent first.
    pub fn rank(self) -> i32 {
        match self {
            Urgency::High => 0,
            Urgency::Normal => 1,
            Urgency::Low => 2,
        }
    }
}

vocabulary!(
    /// The hierarchy of services from the brief.
    Tier { Critical => "critical" / "Critical", Important => "important" / "Important", CanWait => "can_wait" / "Can wait" }
);

impl Tier {
    /// Sort key for the queue: critical first. A request without a service ranks with
    /// `important`: its impact is unknown, so it neither jumps critical work nor waits behind
    /// everything.
    pub fn rank(tier: Option<Tier>) -> i32 {
        match tier {
            Some(Tier::Critical) => 0,
            Some(Tier::Important) | None => 1,
            Some(Tier::CanWait) => 2,
        }
    }
}

vocabulary!(
    /// The kind of an immutable history entry.
    EventKind {
        Filed => "filed" / "filed the request",
        Taken => "taken" / "took it",
        Routed => "routed" / "routed it",
        Consulted => "consulted" / "consulted",
        Commented => "commented" / "commented",
        Waiting => "waiting" / "asked the requester for more information",
        Resumed => "resumed" / "answered, and the request resumed",
        Resolved => "resolved" / "resolved it",
        Rejected => "rejected" / "rejected it",
        Reopened => "reopened" / "reopened it",
        Edited => "edited" / "edited it",
        Noted => "noted" / "added an internal note",
        Attached => "attached" / "attached a file",
        Detached => "detached" / "removed a file",
    }
);

impl EventKind {
    /// Whether a requester may see that this event happened at all: a consult is a question
    /// between engineers.
    pub fn shown_to_requesters(self) -> bool {
        !matches!(self, EventKind::Consulted | EventKind::Noted)
    }

    /// Whether the note of this event is internal (for engineers only): a consult's question
    /// and a route note. The requester still sees a routing, as it changes the owner.
    pub fn note_is_internal(self) -> bool {
        matches!(self, EventKind::Consulted | EventKind::Routed | EventKind::Noted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_notes_are_consults_route_notes_and_internal_notes() {
        let internal: Vec<EventKind> = EventKind::ALL.iter().copied().filter(|k| k.note_is_internal()).collect();
        assert_eq!(internal, [EventKind::Routed, EventKind::Consulted, EventKind::Noted]);
        assert!(!EventKind::Consulted.shown_to_requesters() && !EventKind::Noted.shown_to_requesters());
        assert!(EventKind::Routed.shown_to_requesters() && EventKind::Commented.shown_to_requesters());
    }

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(Title::parse("  Disk full  ").map(|t| t.into_string()), Ok("Disk full".into()));
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"x".repeat(200)).is_ok());
        assert!(Title::parse(&"x".repeat(201)).is_err());
        assert!(Title::parse("two\nlines").is_err());
    }

    #[test]
    fn description_allows_lines_but_not_other_controls() {
        assert!(Description::parse("line one\r\nline two").is_ok());
        assert!(Description::parse("bell\u{7}").is_err());
        assert!(Description::parse(&"é".repeat(20_000)).is_ok());
        assert!(Description::parse(&"é".repeat(20_001)).is_err());
    }

    #[test]
    fn replacement_character_from_bad_utf8_is_refused() {
        assert!(Title::parse("bad \u{FFFD} bytes").is_err());
    }

    #[test]
    fn email_is_lowercased_and_shaped() {
        assert_eq!(Email::parse(" Ada@Example.COM ").map(|e| e.as_str().to_owned()), Ok("ada@example.com".into()));
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn password_bounds_are_not_trimmed_or_truncated() {
        assert!(Password::parse("short").is_err());
        for common in
            ["password", "12345678", "password123", "qwertyuiop", "iloveyou1", "aaaaaaaaaaaa", "ada@example.com"]
        {
            assert!(Password::choose(common, &["ada@example.com", "Ada"]).is_err(), "{common} was accepted");
        }
        for fine in ["correct horse battery staple", "goalkeeper-demo", "a long enough password"] {
            assert!(Password::choose(fine, &[]).is_ok(), "{fine} was refused");
        }
        let long = "tangerine submarine 47 quietly orbits the velvet lighthouse while 9 owls audit kelp";
        assert!(Password::choose(long, &[]).is_ok(), "only the first 64 characters are judged");
        assert!(Password::parse("        ").is_ok(), "spaces count as characters");
        assert!(Password::parse(&"p".repeat(128)).is_ok());
        assert!(Password::parse(&"p".repeat(129)).is_err());
        assert_eq!(format!("{:?}", Password::parse("secret-password").ok()), "Some(Password(***))");
    }

    #[test]
    fn vocabularies_round_trip() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Ok(*state));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::Admin.is_engineer());
        assert!(!Role::Requester.is_engineer());
        assert!(Tier::rank(Some(Tier::Critical)) < Tier::rank(None));
        assert!(Tier::rank(None) < Tier::rank(Some(Tier::CanWait)));
    }
}
