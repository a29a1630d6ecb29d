//! Pure domain logic: no web framework, no database, no templates.
//! Time always comes in as an argument (see [`clock::Clock`]).

pub mod clock;
pub mod ids;
pub mod knowledge;
pub mod metrics;
pub mod notify;
pub mod office;
pub mod rotation;
pub mod triage;
pub mod values;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{CategoryId, EventId, RequestId, ServiceId, UserId};
pub use triage::{Action, ActionName, Actor, RequestFacts, Transition, TriageError};
pub use values::*;
