//! Team knowledge: resolved requests are answers the whole team can read, unless their requester
//! made them private; engineers vouch for the best ones; and an answer that solves someone's
//! problem before they file it is a deflection.

use super::triage::{Actor, RequestFacts};
use super::values::State;

/// How much of a request someone may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The whole request with its history: the requester and engineers.
    Full,
    /// Title, description and resolution only: everyone else, for answers.
    Answer,
    None,
}

/// A request is an answer once resolved, unless its requester made it private.
pub fn is_answer(state: State, private: bool) -> bool {
    state == State::Resolved && !private
}

pub fn access(facts: &RequestFacts, private: bool, actor: Actor) -> Access {
    if facts.visible_to(actor) {
        Access::Full
    } else if is_answer(facts.state, private) {
        Access::Answer
    } else {
        Access::None
    }
}

/// Why a request cannot be marked as a good answer, if it cannot.
/// Refusals are codes: `engineers_only`, `not_resolved`, `private`.
pub fn check_good_answer(facts: &RequestFacts, private: bool, actor: Actor) -> Result<(), &'static str> {
    if !actor.role.is_engineer() {
        Err("engineers_only")
    } else if facts.state != State::Resolved {
        Err("not_resolved")
    } else if private {
        Err("private")
    } else {
        Ok(())
    }
}

/// How much a good-answer mark weighs in ranking: a marked answer counts as twice as relevant,
/// so it rises above equally good matches without burying a much better one.
pub const GOOD_ANSWER_BOOST: f64 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequestId, Role, UserId};

    fn facts(state: State) -> RequestFacts {
        RequestFacts { id: RequestId(1), state, owner: Some(UserId(2)), requester: UserId(3), closed_at: None }
    }

    const ENGINEER: Actor = Actor { id: UserId(2), role: Role::Engineer };
    const REQUESTER: Actor = Actor { id: UserId(3), role: Role::Requester };
    const SOMEONE_ELSE: Actor = Actor { id: UserId(4), role: Role::Requester };

    #[test]
    fn only_public_resolved_requests_are_answers() {
        assert!(is_answer(State::Resolved, false));
        assert!(!is_answer(State::Resolved, true));
        for state in [State::New, State::InProgress, State::Waiting, State::Rejected] {
            assert!(!is_answer(state, false), "{state:?}");
        }
    }

    #[test]
    fn others_read_answers_only_and_never_private_ones() {
        assert_eq!(access(&facts(State::Resolved), false, SOMEONE_ELSE), Access::Answer);
        assert_eq!(access(&facts(State::Resolved), true, SOMEONE_ELSE), Access::None);
        assert_eq!(access(&facts(State::InProgress), false, SOMEONE_ELSE), Access::None);
        assert_eq!(access(&facts(State::Rejected), false, SOMEONE_ELSE), Access::None);
        assert_eq!(access(&facts(State::Resolved), true, REQUESTER), Access::Full);
        assert_eq!(access(&facts(State::New), true, ENGINEER), Access::Full);
    }

    #[test]
    fn engineers_mark_public_resolved_requests_as_good_answers() {
        assert!(check_good_answer(&facts(State::Resolved), false, ENGINEER).is_ok());
        assert!(check_good_answer(&facts(State::Resolved), false, REQUESTER).is_err());
        assert!(check_good_answer(&facts(State::Resolved), true, ENGINEER).is_err());
        assert!(check_good_answer(&facts(State::InProgress), false, ENGINEER).is_err());
    }
}
