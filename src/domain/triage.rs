//! The request lifecycle as a pure state machine: who may do what, in which state, and what
//! each action changes. The web layer shows only what [`allowed_actions`] returns, and every
//! action goes through [`decide`] again before it is written.

use super::ids::{RequestId, UserId};
use super::values::{EventKind, Note, Role, State};
use chrono::{DateTime, Duration, Utc};
use std::fmt;

/// How long after its close a request can still be reopened.
pub const REOPEN_WINDOW: Duration = Duration::days(14);

/// Someone acting on a request (or named as the target of an action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

/// What the state machine needs to know about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFacts {
    pub id: RequestId,
    pub state: State,
    /// The engineer responsible now; kept after a close so a reopen returns to them.
    pub owner: Option<UserId>,
    pub requester: UserId,
    pub closed_at: Option<DateTime<Utc>>,
}

impl RequestFacts {
    /// Requesters see only their own requests; engineers see all.
    pub fn visible_to(&self, actor: Actor) -> bool {
        actor.role.is_engineer() || actor.id == self.requester
    }
}

/// The names of the actions, as they appear in URLs (`/requests/{id}/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionName {
    Take,
    Route,
    Consult,
    Wait,
    Comment,
    /// An internal note: for engineers only (answering a consult, say).
    Note,
    Resolve,
    Reject,
    Duplicate,
    Reopen,
}

impl ActionName {
    /// Whether the action hands the request on (closes it, or passes it to someone else), so a
    /// goalkeeper triaging by keyboard moves to the next one; taking or consulting keeps it.
    pub fn hands_on(self) -> bool {
        matches!(
            self,
            ActionName::Resolve | ActionName::Reject | ActionName::Route | ActionName::Duplicate | ActionName::Wait
        )
    }

    pub const ALL: &'static [ActionName] = &[
        ActionName::Take,
        ActionName::Route,
        ActionName::Consult,
        ActionName::Wait,
        ActionName::Comment,
        ActionName::Note,
        ActionName::Resolve,
        ActionName::Reject,
        ActionName::Duplicate,
        ActionName::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionName::Take => "take",
            ActionName::Route => "route",
            ActionName::Consult => "consult",
            ActionName::Wait => "wait",
            ActionName::Comment => "comment",
            ActionName::Note => "note",
            ActionName::Resolve => "resolve",
            ActionName::Reject => "reject",
            ActionName::Duplicate => "duplicate",
            ActionName::Reopen => "reopen",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|name| name.as_str() == raw)
    }
}

/// An action with its arguments, already parsed into domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Take,
    Route {
        to: Actor,
        note: Option<Note>,
    },
    Consult {
        with: Actor,
        note: Note,
    },
    Wait {
        note: Note,
    },
    Comment {
        note: Note,
    },
    /// An internal note, never shown to requesters.
    Note {
        note: Note,
    },
    Resolve {
        note: Note,
    },
    Reject {
        note: Note,
    },
    Duplicate {
        of: RequestId,
        note: Option<Note>,
    },
    Reopen {
        note: Note,
    },
}

impl Action {
    pub fn name(&self) -> ActionName {
        match self {
            Action::Take => ActionName::Take,
            Action::Route { .. } => ActionName::Route,
            Action::Consult { .. } => ActionName::Consult,
            Action::Wait { .. } => ActionName::Wait,
            Action::Comment { .. } => ActionName::Comment,
            Action::Note { .. } => ActionName::Note,
            Action::Resolve { .. } => ActionName::Resolve,
            Action::Reject { .. } => ActionName::Reject,
            Action::Duplicate { .. } => ActionName::Duplicate,
            Action::Reopen { .. } => ActionName::Reopen,
        }
    }
}

/// What an allowed action does: the event to write and the request's new state and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub kind: EventKind,
    pub from: State,
    pub to: State,
    pub owner: Option<UserId>,
    /// The engineer routed to or consulted.
    pub target: Option<UserId>,
    /// The original, when closing as a duplicate.
    pub related: Option<RequestId>,
    pub note: Option<String>,
}

/// Why a triage action is refused: stable codes; the adapters put them into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageError {
    /// This person may not do this to this request in its current state; `0` says which rule.
    NotAllowed(&'static str),
    /// An argument is wrong; `field` names it and `code` says how.
    Invalid { field: &'static str, code: &'static str },
}

impl fmt::Display for TriageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriageError::NotAllowed(code) => f.write_str(code),
            TriageError::Invalid { field, code } => write!(f, "{field}: {code}"),
        }
    }
}

impl std::error::Error for TriageError {}

fn not_allowed<T>(code: &'static str) -> Result<T, TriageError> {
    Err(TriageError::NotAllowed(code))
}

fn invalid<T>(field: &'static str, code: &'static str) -> Result<T, TriageError> {
    Err(TriageError::Invalid { field, code })
}

/// Whether `actor` may perform an action of this name now, regardless of its arguments.
pub fn check(facts: &RequestFacts, actor: Actor, name: ActionName, now: DateTime<Utc>) -> Result<(), TriageError> {
    if !facts.visible_to(actor) {
        return not_allowed("not_yours");
    }
    let engineer = actor.role.is_engineer();
    let open = !facts.state.is_final();
    match name {
        ActionName::Comment => Ok(()),
        // Engineers write internal notes on any request, open or closed.
        ActionName::Note if engineer => Ok(()),
        ActionName::Reopen => {
            if !(engineer || actor.id == facts.requester) {
                return not_allowed("reopen_not_permitted");
            }
            if open {
                return not_allowed("still_open");
            }
            match facts.closed_at {
                Some(closed) if now - closed <= REOPEN_WINDOW => Ok(()),
                _ => not_allowed("reopen_window_passed"),
            }
        }
        _ if !engineer => not_allowed("engineers_only"),
        _ if !open => not_allowed("closed"),
        ActionName::Take if facts.owner == Some(actor.id) => not_allowed("already_owner"),
        ActionName::Wait if facts.state == State::Waiting => not_allowed("already_waiting"),
        ActionName::Take
        | ActionName::Route
        | ActionName::Consult
        | ActionName::Wait
        | ActionName::Resolve
        | ActionName::Reject
        | ActionName::Note
        | ActionName::Duplicate => Ok(()),
    }
}

/// The actions `actor` may take on this request now, in display order.
pub fn allowed_actions(facts: &RequestFacts, actor: Actor, now: DateTime<Utc>) -> Vec<ActionName> {
    ActionName::ALL.iter().copied().filter(|name| check(facts, actor, *name, now).is_ok()).collect()
}

/// Checks an action fully and says what it changes.
pub fn decide(
    facts: &RequestFacts,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Transition, TriageError> {
    check(facts, actor, action.name(), now)?;
    let from = facts.state;
    let transition = |kind, to, owner, note: Option<Note>| Transition {
        kind,
        from,
        to,
        owner,
        target: None,
        related: None,
        note: note.map(Note::into_string),
    };
    // Taking or routing a request that waits on its requester keeps it waiting.
    let active = if from == State::Waiting { State::Waiting } else { State::InProgress };
    Ok(match action {
        Action::Take => transition(EventKind::Taken, active, Some(actor.id), None),
        Action::Route { to, note } => {
            if !to.role.is_engineer() {
                return invalid("to", "not_an_engineer");
            }
            if facts.owner == Some(to.id) {
                return invalid("to", "already_owner");
            }
            Transition { target: Some(to.id), ..transition(EventKind::Routed, active, Some(to.id), note) }
        }
        Action::Consult { with, note } => {
            if !with.role.is_engineer() {
                return invalid("with", "not_an_engineer");
            }
            if with.id == actor.id {
                return invalid("with", "self");
            }
            Transition { target: Some(with.id), ..transition(EventKind::Consulted, from, facts.owner, Some(note)) }
        }
        Action::Wait { note } => {
            transition(EventKind::Waiting, State::Waiting, facts.owner.or(Some(actor.id)), Some(note))
        }
        Action::Comment { note } => {
            if from == State::Waiting && actor.id == facts.requester {
                transition(EventKind::Resumed, State::InProgress, facts.owner, Some(note))
            } else {
                transition(EventKind::Commented, from, facts.owner, Some(note))
            }
        }
        Action::Note { note } => transition(EventKind::Noted, from, facts.owner, Some(note)),
        Action::Resolve { note } => transition(EventKind::Resolved, State::Resolved, Some(actor.id), Some(note)),
        Action::Reject { note } => transition(EventKind::Rejected, State::Rejected, Some(actor.id), Some(note)),
        Action::Duplicate { of, note } => {
            if of == facts.id {
                return invalid("of", "self");
            }
            let note = note.map(Note::into_string).unwrap_or_else(|| format!("Duplicate of #{of}."));
            Transition {
                related: Some(of),
                note: Some(note),
                ..transition(EventKind::Rejected, State::Rejected, Some(actor.id), None)
            }
        }
        Action::Reopen { note } => {
            let to = if facts.owner.is_some() { State::InProgress } else { State::New };
            transition(EventKind::Reopened, to, facts.owner, Some(note))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const REQUESTER: Actor = Actor { id: UserId(1), role: Role::Requester };
    const OTHER_REQUESTER: Actor = Actor { id: UserId(2), role: Role::Requester };
    const GOALKEEPER: Actor = Actor { id: UserId(3), role: Role::Engineer };
    const TEAMMATE: Actor = Actor { id: UserId(4), role: Role::Engineer };
    const ADMIN: Actor = Actor { id: UserId(5), role: Role::Admin };

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).single().unwrap_or_default()
    }

    fn request(state: State, owner: Option<Actor>) -> RequestFacts {
        RequestFacts {
            id: RequestId(10),
            state,
            owner: owner.map(|o| o.id),
            requester: REQUESTER.id,
            closed_at: state.is_final().then(|| now() - Duration::days(1)),
        }
    }

    fn note(text: &str) -> Note {
        Note::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn names(list: &[ActionName]) -> Vec<&'static str> {
        list.iter().map(|n| n.as_str()).collect()
    }

    #[test]
    fn allowed_actions_per_role_and_state() {
        use ActionName as A;
        let cases: Vec<(RequestFacts, Actor, Vec<ActionName>)> = vec![
            (request(State::New, None), REQUESTER, vec![A::Comment]),
            (request(State::New, None), OTHER_REQUESTER, vec![]),
            (
                request(State::New, None),
                GOALKEEPER,
                vec![A::Take, A::Route, A::Consult, A::Wait, A::Comment, A::Note, A::Resolve, A::Reject, A::Duplicate],
            ),
            (
                request(State::InProgress, Some(GOALKEEPER)),
                GOALKEEPER,
                vec![A::Route, A::Consult, A::Wait, A::Comment, A::Note, A::Resolve, A::Reject, A::Duplicate],
            ),
            (
                request(State::InProgress, Some(GOALKEEPER)),
                TEAMMATE,
                vec![A::Take, A::Route, A::Consult, A::Wait, A::Comment, A::Note, A::Resolve, A::Reject, A::Duplicate],
            ),
            (
                request(State::Waiting, Some(GOALKEEPER)),
                GOALKEEPER,
                vec![A::Route, A::Consult, A::Comment, A::Note, A::Resolve, A::Reject, A::Duplicate],
            ),
            (request(State::Waiting, Some(GOALKEEPER)), REQUESTER, vec![A::Comment]),
            (request(State::Resolved, Some(GOALKEEPER)), REQUESTER, vec![A::Comment, A::Reopen]),
            (request(State::Rejected, Some(GOALKEEPER)), ADMIN, vec![A::Comment, A::Note, A::Reopen]),
            (request(State::Resolved, Some(GOALKEEPER)), OTHER_REQUESTER, vec![]),
        ];
        for (facts, actor, expected) in cases {
            assert_eq!(
                names(&allowed_actions(&facts, actor, now())),
                names(&expected),
                "{:?} as {:?}",
                facts.state,
                actor.role
            );
        }
    }

    #[test]
    fn take_gives_ownership_and_starts_work() {
        let t = decide(&request(State::New, None), GOALKEEPER, Action::Take, now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.kind, t.from, t.to, t.owner),
            (EventKind::Taken, State::New, State::InProgress, Some(GOALKEEPER.id))
        );
    }

    #[test]
    fn taking_a_waiting_request_keeps_it_waiting() {
        let t = decide(&request(State::Waiting, Some(GOALKEEPER)), TEAMMATE, Action::Take, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.to, t.owner), (State::Waiting, Some(TEAMMATE.id)));
    }

    #[test]
    fn route_needs_an_engineer_who_is_not_the_owner() {
        let facts = request(State::New, None);
        let routed = decide(&facts, GOALKEEPER, Action::Route { to: TEAMMATE, note: None }, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (routed.kind, routed.to, routed.owner, routed.target),
            (EventKind::Routed, State::InProgress, Some(TEAMMATE.id), Some(TEAMMATE.id))
        );
        assert!(matches!(
            decide(&facts, GOALKEEPER, Action::Route { to: REQUESTER, note: None }, now()),
            Err(TriageError::Invalid { field: "to", .. })
        ));
        let owned = request(State::InProgress, Some(TEAMMATE));
        assert!(matches!(
            decide(&owned, GOALKEEPER, Action::Route { to: TEAMMATE, note: None }, now()),
            Err(TriageError::Invalid { field: "to", .. })
        ));
    }

    #[test]
    fn consult_keeps_owner_and_state() {
        let facts = request(State::InProgress, Some(GOALKEEPER));
        let t = decide(&facts, GOALKEEPER, Action::Consult { with: TEAMMATE, note: note("seen this?") }, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.kind, t.to, t.owner, t.target),
            (EventKind::Consulted, State::InProgress, Some(GOALKEEPER.id), Some(TEAMMATE.id))
        );
        assert!(decide(&facts, GOALKEEPER, Action::Consult { with: GOALKEEPER, note: note("me") }, now()).is_err());
    }

    #[test]
    fn wait_then_requester_comment_resumes() {
        let t = decide(&request(State::New, None), GOALKEEPER, Action::Wait { note: note("which host?") }, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.kind, t.to, t.owner), (EventKind::Waiting, State::Waiting, Some(GOALKEEPER.id)));
        let waiting = request(State::Waiting, Some(GOALKEEPER));
        let answer = decide(&waiting, REQUESTER, Action::Comment { note: note("db-3") }, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (answer.kind, answer.to, answer.owner),
            (EventKind::Resumed, State::InProgress, Some(GOALKEEPER.id))
        );
        let engineer_comment =
            decide(&waiting, TEAMMATE, Action::Comment { note: note("fyi") }, now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((engineer_comment.kind, engineer_comment.to), (EventKind::Commented, State::Waiting));
    }

    #[test]
    fn resolve_and_reject_close_and_record_the_closer() {
        for (action, kind, state) in [
            (Action::Resolve { note: note("done") }, EventKind::Resolved, State::Resolved),
            (Action::Reject { note: note("not ours") }, EventKind::Rejected, State::Rejected),
        ] {
            let t = decide(&request(State::InProgress, Some(TEAMMATE)), GOALKEEPER, action, now())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((t.kind, t.to, t.owner), (kind, state, Some(GOALKEEPER.id)));
        }
    }

    #[test]
    fn duplicate_is_a_rejection_linking_the_original() {
        let facts = request(State::New, None);
        let t = decide(&facts, GOALKEEPER, Action::Duplicate { of: RequestId(3), note: None }, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.kind, t.to, t.related), (EventKind::Rejected, State::Rejected, Some(RequestId(3))));
        assert_eq!(t.note.as_deref(), Some("Duplicate of #3."));
        assert!(matches!(
            decide(&facts, GOALKEEPER, Action::Duplicate { of: facts.id, note: None }, now()),
            Err(TriageError::Invalid { field: "of", .. })
        ));
    }

    #[test]
    fn reopen_returns_to_last_owner_within_fourteen_days() {
        let mut closed = request(State::Resolved, Some(TEAMMATE));
        let t = decide(&closed, REQUESTER, Action::Reopen { note: note("back again") }, now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.kind, t.from, t.to, t.owner),
            (EventKind::Reopened, State::Resolved, State::InProgress, Some(TEAMMATE.id))
        );
        closed.closed_at = Some(now() - REOPEN_WINDOW);
        assert!(decide(&closed, REQUESTER, Action::Reopen { note: note("edge") }, now()).is_ok());
        closed.closed_at = Some(now() - REOPEN_WINDOW - Duration::seconds(1));
        assert!(matches!(
            decide(&closed, REQUESTER, Action::Reopen { note: note("late") }, now()),
            Err(TriageError::NotAllowed(_))
        ));
    }

    #[test]
    fn forbidden_transitions_are_refused() {
        let open = request(State::InProgress, Some(GOALKEEPER));
        let closed = request(State::Resolved, Some(GOALKEEPER));
        let refused = [
            (open, REQUESTER, Action::Take),
            (open, REQUESTER, Action::Resolve { note: note("self-serve") }),
            (open, REQUESTER, Action::Reopen { note: note("not closed") }),
            (open, OTHER_REQUESTER, Action::Comment { note: note("hi") }),
            (open, GOALKEEPER, Action::Take),
            (closed, GOALKEEPER, Action::Take),
            (closed, GOALKEEPER, Action::Resolve { note: note("again") }),
            (closed, GOALKEEPER, Action::Route { to: TEAMMATE, note: None }),
            (closed, OTHER_REQUESTER, Action::Reopen { note: note("mine?") }),
            (request(State::Waiting, Some(GOALKEEPER)), GOALKEEPER, Action::Wait { note: note("twice") }),
        ];
        for (facts, actor, action) in refused {
            let name = action.name();
            assert!(
                matches!(decide(&facts, actor, action, now()), Err(TriageError::NotAllowed(_))),
                "{name:?} by {:?} on {:?} should be refused",
                actor.role,
                facts.state
            );
        }
    }

    #[test]
    fn action_names_round_trip() {
        for name in ActionName::ALL {
            assert_eq!(ActionName::parse(name.as_str()), Some(*name));
        }
        assert_eq!(ActionName::parse("delete"), None);
    }
}
