//! The words of the web layer for the application core's error codes. The core says what went
//! wrong as a code and a field; the page (and the API's `message`) says it in a sentence here,
//! so a translation has one place to change.

use crate::domain::Invalid;

/// The sentence shown beside `field` when a use case refused it with `code`; `value` is the
/// value's own rule it broke (a title's length, say), when that is why.
pub fn field_sentence(code: &str, field: &str, value: Option<&Invalid>) -> String {
    if let Some(why) = value {
        return value_sentence(field, why);
    }
    let fixed = match (field, code) {
        ("category_id" | "category", "unknown") => "Choose one of the listed categories.",
        ("service_id" | "service", "unknown") => "Choose one of the listed services, or none.",
        ("engineer", "unknown") => "Choose an engineer.",
        ("to", "already_owner") => "This engineer already owns the request.",
        ("with", "self") => "Pick a teammate other than yourself.",
        ("of", "self") => "A request cannot be a duplicate of itself.",
        ("of", "unknown") => "There is no request with this number.",
        ("to" | "with", "required") => "Choose an engineer.",
        ("to" | "with", "not_an_engineer") => "Choose one of the listed engineers.",
        ("engineer", "self") => "Choose the teammate who covers for you.",
        ("from", "in_past") => "Overrides cannot start in the past.",
        ("from", "not_on_duty") => "You can only hand off time when you are on duty; ask an admin for other changes.",
        ("to", "before_start") => "The end must come after the start.",
        ("to", "too_long") => "One override covers at most 31 days; add another for more.",
        ("mine" | "theirs", "unknown_week") => "Choose one of the listed weeks.",
        ("mine", "not_yours") => "That week is not yours.",
        ("theirs", "same_engineer") => "Choose a week of someone else.",
        ("order", "empty") => "Put at least one engineer in the rotation.",
        ("on_call", "unknown") => "Choose one of the listed engineers.",
        ("order", "unknown") => "Only engineers of the team can be in the rotation.",
        ("days", "empty") => "Tick at least one working day.",
        ("office_end", "before_start") => "Office hours must end after they start.",
        (_, "out_of_range") if field.ends_with("_minutes") => "Give a number of office minutes (1 or more).",
        ("note", "required") => "Say why in a note.",
        ("of", "required") => "Choose the request this one duplicates.",
        ("time_zone", "unknown") => "Choose one of the listed time zones, or the team's.",
        ("password" | "current_password", "wrong") => "That is not your current password.",
        ("email", "taken") => "Someone already has this e-mail.",
        ("role", "last_admin") => "At least one enabled admin must remain.",
        ("file", "too_large") => "A file is larger than one request may carry.",
        ("file", "request_full") => "This request already carries as much as it may; remove a file first.",
        ("file", "too_many") => "This request already has as many files as it may carry.",
        ("file", "required") => "Choose a file to attach.",
        ("name", "too_many") => "You have as many saved views as one can keep; delete one first.",
        ("query", "empty") => "Choose some filters first: this is the whole queue.",
        ("name", "taken") => "Another entry already has this name.",
        ("idempotency_key", "invalid") => "An idempotency key is at most 200 printable characters.",
        ("owner", "invalid") => "Give me, nobody, or a person's id.",
        ("limit", "out_of_range") => "Give a limit from 1 to 200.",
        ("page", "out_of_range") => "Pages are numbered from 1.",
        ("from" | "to", "invalid") => "Give a date like 2026-11-24.",
        ("to", "before_from") => "The period ends before it starts.",
        ("name", "invalid") => "Give a name of 1 to 100 printable characters.",
        ("scope", "invalid") => "Choose read or write.",
        ("expires_in_days", "out_of_range") => "Give from 1 to 3650 days, or no expiry.",
        ("week", "invalid") => "Give a week like 2026-W48.",
        ("url", "invalid") => "Give the webhook's address, starting with https://.",
        ("kind", "invalid") => "Choose one of the listed kinds.",
        ("topics", "empty") => "Choose at least one kind of news.",
        ("token", "required") => "Give the access token of the Matrix account that posts.",
        (_, "required") => "Fill in this field.",
        _ => "Check this field.",
    };
    fixed.to_owned()
}

/// What a field is called in a sentence about its value.
fn label(field: &str) -> &'static str {
    match field {
        "title" => "Title",
        "description" => "Description",
        "note" | "notes" => "Note",
        "name" => "Name",
        "email" => "E-mail",
        "password" | "new_password" => "Password",
        "urgency" => "Urgency",
        "role" => "Role",
        "tier" => "Tier",
        _ => "This field",
    }
}

/// The sentence for a value that broke its own rule.
pub fn value_sentence(field: &str, why: &Invalid) -> String {
    let what = label(field);
    match why {
        Invalid::Empty => format!("{what} cannot be empty."),
        Invalid::TooShort { min } => format!("{what} must be at least {min} characters."),
        Invalid::TooLong { max, got } => format!("{what} must be at most {max} characters (it has {got})."),
        Invalid::ControlCharacters => format!("{what} contains control characters."),
        Invalid::NotUtf8 => format!("{what} contains text that is not valid UTF-8."),
        Invalid::NotAnEmail => "E-mail must look like name@example.com.".to_owned(),
        Invalid::Guessable => {
            "This password is too common or too easy to guess; choose a longer, less usual one.".to_owned()
        }
        Invalid::NotOneOf { allowed } => format!("Choose one of: {}.", allowed.join(", ")),
    }
}

/// The sentence for a refusal of the whole action (a rule about who may do it).
pub fn refusal(code: &str) -> &'static str {
    match code {
        "engineers_only" => "Only engineers can do this.",
        "admins_only" => "Only admins can do this.",
        "not_the_goalkeeper" => "Only the goalkeeper of that week or an admin writes its handover notes.",
        "token_scope" => "This token may only read.",
        "not_yours" => "You can only act on your own requests.",
        "reopen_not_permitted" => "Only the requester or an engineer can reopen a request.",
        "still_open" => "Only a resolved or rejected request can be reopened.",
        "reopen_window_passed" => "This request was closed more than 14 days ago; file a new request instead.",
        "closed" => "This request is closed; reopen it first.",
        "already_owner" => "You already own this request.",
        "already_waiting" => "This request is already waiting on the requester.",
        "not_resolved" => "Only a resolved request can be a good answer.",
        "private" => "This request is private, so it is not shown to others as an answer.",
        "already_set_up" => "Setup is already done.",
        "cover_over" => "That stretch of duty is already over.",
        "own_cover_request" => "That is your own request for cover.",
        "cover_taken" => "Someone else took that cover already.",
        "unchanged" => "It already has this value.",
        "not_found" => "It is gone, or not yours to see.",
        _ => "You are not allowed to do this.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_their_own_sentence_and_others_fall_back_to_the_rule() {
        assert_eq!(
            field_sentence("too_long", "to", None),
            "One override covers at most 31 days; add another for more."
        );
        let long = Invalid::TooLong { max: 200, got: 201 };
        assert_eq!(
            field_sentence("too_long", "title", Some(&long)),
            "Title must be at most 200 characters (it has 201)."
        );
        assert_eq!(field_sentence("odd", "title", None), "Check this field.");
    }
}
