//! The admin's use cases: people and roles, services and categories.

use super::{Context, Error};
use crate::db::catalog::{self, CatalogError, CategoryInput, ServiceInput};
use crate::db::models::{Category, Service, User};
use crate::db::users::{self, NewUser, UserError};
use crate::db::{DbConnection, read_transaction, write_transaction};
use crate::domain::{CatalogDescription, CatalogName, CategoryId, Email, PersonName, Role, ServiceId, Tier, UserId};

fn require_admin(ctx: &Context) -> Result<(), Error> {
    if ctx.actor.role.is_admin() { Ok(()) } else { Err(Error::Forbidden { code: "admins_only" }) }
}

fn user_refusal(e: UserError) -> Error {
    match e {
        UserError::EmailTaken => Error::invalid("taken", "email"),
        UserError::LastAdmin => Error::invalid("last_admin", "role"),
        UserError::AlreadySetUp => Error::Forbidden { code: "already_set_up" },
        UserError::NotFound => Error::NotFound,
        UserError::Db(e) => Error::Db(e),
    }
}

fn catalog_refusal(e: CatalogError) -> Error {
    match e {
        CatalogError::NameTaken => Error::invalid("taken", "name"),
        CatalogError::NotFound => Error::NotFound,
        CatalogError::Db(e) => Error::Db(e),
    }
}

/// Everyone with an account, enabled or not.
pub fn people(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<User>, Error> {
    require_admin(ctx)?;
    Ok(users::list(conn)?)
}

/// A person to add; the password is already hashed (hashing runs off the request threads).
pub struct NewPerson {
    pub name: PersonName,
    pub email: Email,
    pub role: Role,
    pub password_hash: String,
}

pub fn add_person(conn: &mut DbConnection, ctx: &Context, person: &NewPerson) -> Result<User, Error> {
    require_admin(ctx)?;
    let new = NewUser {
        email: person.email.as_str(),
        name: person.name.as_str(),
        role: person.role,
        password_hash: &person.password_hash,
    };
    write_transaction(conn, |conn| users::create(conn, &new, ctx.now)).map_err(user_refusal)
}

/// What a person changes of their own account.
#[derive(Debug, Default, Clone)]
pub struct ProfileInput {
    pub name: String,
    pub email: String,
    /// An IANA zone name, or empty for the team's.
    pub time_zone: String,
}

/// Changes one's own name, e-mail (the sign-in) and the time zone pages show times in.
pub fn update_profile(conn: &mut DbConnection, ctx: &Context, input: &ProfileInput) -> Result<(), Error> {
    let name = PersonName::parse(&input.name).map_err(|e| Error::value("name", e))?;
    let email = Email::parse(&input.email).map_err(|e| Error::value("email", e))?;
    let zone = match input.time_zone.trim() {
        "" => None,
        raw => Some(raw.parse::<chrono_tz::Tz>().map_err(|_| Error::invalid("unknown", "time_zone"))?),
    };
    write_transaction(conn, |conn| {
        users::set_profile(conn, ctx.actor.id, name.as_str(), email.as_str(), zone.as_ref().map(|z| z.name()))
    })
    .map_err(user_refusal)
}

/// The very first account, an admin, made on the setup page; refused once anyone exists.
pub fn set_up(conn: &mut DbConnection, now: chrono::DateTime<chrono::Utc>, person: &NewPerson) -> Result<User, Error> {
    let new = NewUser {
        email: person.email.as_str(),
        name: person.name.as_str(),
        role: Role::Admin,
        password_hash: &person.password_hash,
    };
    users::create_first_admin(conn, &new, now).map_err(user_refusal)
}

/// Whether anyone has an account yet (before that, only setup is possible).
pub fn anyone_set_up(conn: &mut DbConnection) -> Result<bool, Error> {
    Ok(users::count(conn)? > 0)
}

pub fn set_role(conn: &mut DbConnection, ctx: &Context, id: UserId, role: Role) -> Result<(), Error> {
    require_admin(ctx)?;
    write_transaction(conn, |conn| users::set_role(conn, id, role)).map_err(user_refusal)
}

/// Disabling signs the person out everywhere; the last enabled admin cannot be disabled.
pub fn set_disabled(conn: &mut DbConnection, ctx: &Context, id: UserId, disabled: bool) -> Result<(), Error> {
    require_admin(ctx)?;
    write_transaction(conn, |conn| users::set_disabled(conn, id, disabled)).map_err(user_refusal)
}

/// Every service, archived ones too.
pub fn all_services(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<Service>, Error> {
    require_admin(ctx)?;
    read_transaction(conn, |conn| Ok(catalog::services(conn)?))
}

/// Every category, archived ones too.
pub fn all_categories(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<Category>, Error> {
    require_admin(ctx)?;
    read_transaction(conn, |conn| Ok(catalog::categories(conn)?))
}

/// What an admin says of a service or a category (categories have no tier).
pub struct CatalogEntry {
    pub name: CatalogName,
    pub tier: Tier,
    pub description: CatalogDescription,
    pub archived: bool,
}

/// Adds a service (`id` None) or changes one.
pub fn save_service(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Option<ServiceId>,
    entry: &CatalogEntry,
) -> Result<(), Error> {
    require_admin(ctx)?;
    let input = ServiceInput {
        name: entry.name.as_str(),
        tier: entry.tier,
        description: entry.description.as_str(),
        archived: entry.archived,
    };
    write_transaction(conn, |conn| match id {
        None => catalog::create_service(conn, &input, ctx.now).map(|_| ()),
        Some(id) => catalog::update_service(conn, id, &input),
    })
    .map_err(catalog_refusal)
}

/// Adds a category (`id` None) or changes one.
pub fn save_category(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Option<CategoryId>,
    entry: &CatalogEntry,
) -> Result<(), Error> {
    require_admin(ctx)?;
    let input =
        CategoryInput { name: entry.name.as_str(), description: entry.description.as_str(), archived: entry.archived };
    write_transaction(conn, |conn| match id {
        None => catalog::create_category(conn, &input, ctx.now).map(|_| ()),
        Some(id) => catalog::update_category(conn, id, &input),
    })
    .map_err(catalog_refusal)
}

/// How long a password-reset link works.
pub const RESET_VALID_FOR: chrono::Duration = chrono::Duration::hours(24);

/// Makes a one-time password-reset secret for someone (admins), to pass on to them; returns it
/// (only its hash is kept).
pub fn password_reset(conn: &mut DbConnection, ctx: &Context, person: UserId) -> Result<String, Error> {
    require_admin(ctx)?;
    users::by_id(conn, person)?.ok_or(Error::NotFound)?;
    let secret = crate::auth::random_token(43);
    let hash = crate::db::tokens::hash(&secret);
    write_transaction(conn, |conn| {
        users::add_password_reset(conn, &hash, person, ctx.actor.id, ctx.now, ctx.now + RESET_VALID_FOR)
    })?;
    Ok(secret)
}

/// Whom a reset secret is for, while it works.
pub fn reset_user(conn: &mut DbConnection, now: chrono::DateTime<chrono::Utc>, secret: &str) -> Result<User, Error> {
    let user = users::password_reset_user(conn, &crate::db::tokens::hash(secret), now)?.ok_or(Error::NotFound)?;
    users::by_id(conn, user)?.filter(|u| !u.disabled).ok_or(Error::NotFound)
}

/// Sets the new password (already checked and hashed) and uses the secret up, in one
/// transaction; every session of the person ends.
pub fn reset_password(
    conn: &mut DbConnection,
    now: chrono::DateTime<chrono::Utc>,
    secret: &str,
    new_hash: &str,
) -> Result<User, Error> {
    write_transaction(conn, |conn| {
        let user = reset_user(conn, now, secret)?;
        if !users::use_password_reset(conn, &crate::db::tokens::hash(secret), now)? {
            return Err(Error::NotFound);
        }
        users::set_password(conn, user.id, new_hash)?;
        Ok(user)
    })
}
