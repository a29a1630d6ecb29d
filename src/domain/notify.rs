//! Who hears of what happened to a request. Pure: the event, the request as it is after it, who
//! did it and who keeps goal; the outbox turns the answer into deliveries.

use super::ids::UserId;
use super::values::EventKind;
use super::{Actor, RequestFacts};

/// What a notification is about. People can turn topics off; channels subscribe to topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A new request, for the goalkeeper on duty.
    NewRequest,
    /// A new request on a critical service: at once, day or night, and to the team's channels.
    NewCritical,
    /// The goalkeeper asks the requester for information.
    Asked,
    Resolved,
    Rejected,
    /// An engineer commented publicly.
    Commented,
    /// The requester answered (commented or replied to a question).
    Replied,
    Reopened,
    /// A request was routed to the person.
    Routed,
    /// A teammate asks the person's advice.
    Consulted,
    /// A new goalkeeper took over (a handover, or a cover starting or ending): for channels.
    Handover,
    /// Someone on duty asks the team to cover for them; or, to them, that someone did.
    CoverWanted,
    /// Someone wrote `@handle` of the person in a comment or an internal note.
    Mentioned,
}

impl Topic {
    pub const ALL: [Topic; 13] = [
        Topic::NewRequest,
        Topic::NewCritical,
        Topic::Asked,
        Topic::Resolved,
        Topic::Rejected,
        Topic::Commented,
        Topic::Replied,
        Topic::Reopened,
        Topic::Routed,
        Topic::Consulted,
        Topic::Handover,
        Topic::CoverWanted,
        Topic::Mentioned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::NewRequest => "new_request",
            Topic::NewCritical => "new_critical",
            Topic::Asked => "asked",
            Topic::Resolved => "resolved",
            Topic::Rejected => "rejected",
            Topic::Commented => "commented",
            Topic::Replied => "replied",
            Topic::Reopened => "reopened",
            Topic::Routed => "routed",
            Topic::Consulted => "consulted",
            Topic::Handover => "handover",
            Topic::CoverWanted => "cover_wanted",
            Topic::Mentioned => "mentioned",
        }
    }

    pub fn parse(raw: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == raw.trim())
    }
}

/// The handles written as `@handle` in a text (lower-cased, each once): a handle is the part
/// of an engineer's e-mail address before the `@`. An address like `ops@example.com` is not a
/// mention, nor is anything inside inline code.
pub fn mentioned_handles(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    // Every other stretch between backticks is inline code.
    for plain in text.split('`').step_by(2) {
        for (_, handle) in mention_spans(plain) {
            if !found.contains(&handle) {
                found.push(handle);
            }
        }
    }
    found
}

/// Where `@handle`s stand in a text (byte range of the `@` and the handle as written) and the
/// handle lower-cased. An `@` glued to a word before it (an e-mail address) is not a mention.
pub fn mention_spans(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let handle_char = |c: char| c.is_alphanumeric() || "._-+".contains(c);
    let mut spans = Vec::new();
    for (at, _) in text.match_indices('@') {
        if text[..at].chars().next_back().is_some_and(handle_char) {
            continue;
        }
        let after = &text[at + 1..];
        let written = &after[..after.find(|c: char| !handle_char(c)).unwrap_or(after.len())];
        let handle = written.trim_end_matches(['.', '-', '_']);
        if !handle.is_empty() {
            spans.push((at..at + 1 + handle.len(), handle.to_lowercase()));
        }
    }
    spans
}

/// The handle of a person: their e-mail address before the `@`, lower-cased.
pub fn handle_of(email: &str) -> String {
    email.split('@').next().unwrap_or_default().to_lowercase()
}

/// One person to tell, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub to: UserId,
    pub topic: Topic,
}

/// What happened, as the notification rules need it.
#[derive(Debug, Clone, Copy)]
pub struct Happened {
    pub kind: EventKind,
    pub actor: Actor,
    /// The engineer a routing or consult names.
    pub target: Option<UserId>,
    /// The request after the event.
    pub request: RequestFacts,
    /// The request concerns a critical service.
    pub critical: bool,
    /// Who keeps goal now.
    pub goalkeeper: Option<UserId>,
}

/// The topic of an event for channels that subscribe to news of every request.
pub fn channel_topic(happened: &Happened) -> Option<Topic> {
    Some(match happened.kind {
        EventKind::Filed if happened.critical => Topic::NewCritical,
        EventKind::Filed => Topic::NewRequest,
        EventKind::Waiting => Topic::Asked,
        EventKind::Resolved => Topic::Resolved,
        EventKind::Rejected => Topic::Rejected,
        EventKind::Reopened => Topic::Reopened,
        EventKind::Routed => Topic::Routed,
        EventKind::Commented
        | EventKind::Resumed
        | EventKind::Consulted
        | EventKind::Taken
        | EventKind::Edited
        | EventKind::Noted
        | EventKind::Attached
        | EventKind::Detached => {
            return None;
        }
    })
}

/// The people to tell: never the one who acted, each person once.
pub fn notices(happened: &Happened) -> Vec<Notice> {
    let request = &happened.request;
    let requester = request.requester;
    let by_requester = happened.actor.id == requester;
    let mut out: Vec<Notice> = Vec::new();
    let mut tell = |to: Option<UserId>, topic: Topic| {
        if let Some(to) = to
            && to != happened.actor.id
            && !out.iter().any(|n| n.to == to)
        {
            out.push(Notice { to, topic });
        }
    };
    match happened.kind {
        EventKind::Filed => {
            let topic = if happened.critical { Topic::NewCritical } else { Topic::NewRequest };
            tell(happened.goalkeeper, topic);
        }
        EventKind::Waiting => tell(Some(requester), Topic::Asked),
        EventKind::Resolved => tell(Some(requester), Topic::Resolved),
        EventKind::Rejected => tell(Some(requester), Topic::Rejected),
        EventKind::Commented if by_requester => tell(request.owner, Topic::Replied),
        EventKind::Commented => tell(Some(requester), Topic::Commented),
        EventKind::Resumed => tell(request.owner, Topic::Replied),
        EventKind::Reopened => {
            tell(Some(requester), Topic::Reopened);
            tell(request.owner, Topic::Reopened);
        }
        EventKind::Routed => tell(happened.target, Topic::Routed),
        EventKind::Consulted => tell(happened.target, Topic::Consulted),
        // An internal note (a consulted teammate's answer, say) reaches the owner.
        EventKind::Noted => tell(request.owner, Topic::Replied),
        // A file from the requester is news for the owner, like a reply.
        EventKind::Attached if by_requester => tell(request.owner, Topic::Replied),
        EventKind::Taken | EventKind::Edited | EventKind::Attached | EventKind::Detached => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_handles_after_an_at_sign() {
        assert_eq!(mentioned_handles("@gina can you look? cc @Sam.Ops."), vec!["gina", "sam.ops"]);
        assert_eq!(mentioned_handles("mail ops@example.com, not `@code`; @gina @gina"), vec!["gina"]);
        assert!(mentioned_handles("no one here @ all").is_empty());
        assert_eq!(handle_of("Gina.G@Example.com"), "gina.g");
    }
    use crate::domain::{RequestId, Role, State};

    const RITA: UserId = UserId(1);
    const GINA: Actor = Actor { id: UserId(2), role: Role::Engineer };
    const SAM: UserId = UserId(3);

    fn happened(kind: EventKind, actor: Actor, owner: Option<UserId>) -> Happened {
        Happened {
            kind,
            actor,
            target: Some(SAM),
            request: RequestFacts {
                id: RequestId(7),
                state: State::InProgress,
                owner,
                requester: RITA,
                closed_at: None,
            },
            critical: false,
            goalkeeper: Some(GINA.id),
        }
    }

    #[test]
    fn the_requester_hears_questions_and_outcomes_but_never_of_their_own_acts() {
        for (kind, topic) in [
            (EventKind::Waiting, Topic::Asked),
            (EventKind::Resolved, Topic::Resolved),
            (EventKind::Rejected, Topic::Rejected),
        ] {
            assert_eq!(notices(&happened(kind, GINA, Some(GINA.id))), [Notice { to: RITA, topic }]);
        }
        let rita = Actor { id: RITA, role: Role::Requester };
        assert_eq!(
            notices(&happened(EventKind::Commented, rita, Some(GINA.id))),
            [Notice { to: GINA.id, topic: Topic::Replied }]
        );
        assert_eq!(notices(&happened(EventKind::Commented, rita, None)), []);
        assert_eq!(notices(&happened(EventKind::Taken, GINA, Some(GINA.id))), []);
    }

    #[test]
    fn engineers_hear_what_is_routed_to_them_and_the_goalkeeper_every_new_request() {
        assert_eq!(notices(&happened(EventKind::Routed, GINA, Some(SAM))), [Notice { to: SAM, topic: Topic::Routed }]);
        assert_eq!(
            notices(&happened(EventKind::Consulted, GINA, Some(GINA.id))),
            [Notice { to: SAM, topic: Topic::Consulted }]
        );
        let rita = Actor { id: RITA, role: Role::Requester };
        let mut filed = happened(EventKind::Filed, rita, None);
        assert_eq!(notices(&filed), [Notice { to: GINA.id, topic: Topic::NewRequest }]);
        filed.critical = true;
        assert_eq!(notices(&filed), [Notice { to: GINA.id, topic: Topic::NewCritical }]);
        assert_eq!(channel_topic(&filed), Some(Topic::NewCritical));
        filed.goalkeeper = None;
        assert_eq!(notices(&filed), []);
    }
}
