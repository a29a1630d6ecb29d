//! Admin pages: people and roles, services and categories.

use super::requests::Choice;
use super::{FieldErrors, parse_id};
use crate::app::admin::{CatalogEntry, NewPerson};
use crate::app::{self, Category, Error, Service};
use crate::auth::hash_password;
use crate::domain::{
    CatalogDescription, CatalogName, CategoryId, Email, Password, PersonName, Role, ServiceId, Tier, UserId,
};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::messages::field_sentence;
use crate::web::view::{Layout, When, render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

fn admin_id<T: From<i64>>(raw: &str) -> Result<T, AppError> {
    parse_id(raw).map(T::from).ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// People

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct NewUserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub password: String,
}

pub struct UserLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub disabled: bool,
    pub is_me: bool,
    pub since: When,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    people: Vec<UserLine>,
    roles: Vec<Choice>,
    form: NewUserForm,
    errors: FieldErrors,
    problem: Option<String>,
}

async fn users_page(
    state: &AppState,
    admin: &CurrentUser,
    form: NewUserForm,
    errors: FieldErrors,
    problem: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let ctx = admin.context(state).await?;
    let (now, tz) = (ctx.now, ctx.reading_zone());
    let people = state.db(move |conn| Ok(app::admin::people(conn, &ctx)?)).await?;
    let page = UsersPage {
        layout: admin.layout("People", "admin"),
        people: people
            .into_iter()
            .map(|u| UserLine {
                id: u.id.0,
                is_me: u.id == admin.user.id,
                since: When::new(u.created_at, now, tz),
                name: u.name,
                email: u.email,
                role: u.role.as_str(),
                disabled: u.disabled,
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| Choice { value: r.as_str().into(), label: r.label().into() }).collect(),
        form,
        errors,
        problem,
    };
    render(status, &page)
}

pub async fn users(state: web::Data<AppState>, admin: CurrentUser) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let form = NewUserForm { role: Role::Requester.as_str().into(), ..Default::default() };
    users_page(&state, &admin, form, FieldErrors::default(), None, StatusCode::OK).await
}

pub async fn add_user(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(mut form): CsrfForm<NewUserForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", PersonName::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let role = errors.check("role", Role::parse(&form.role));
    let password = errors.check("password", Password::choose(&form.password, &[&form.email, &form.name]));
    form.password.clear();
    let (Some(name), Some(email), Some(role), Some(password)) = (name, email, role, password) else {
        return users_page(&state, &admin, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let password_hash = state.hash(move || hash_password(&password)).await??;
    let person = NewPerson { name, email, role, password_hash };
    let ctx = admin.context(&state).await?;
    match state.db(move |conn| Ok(app::admin::add_person(conn, &ctx, &person))).await? {
        Ok(user) => {
            admin.flash(format!("{} can sign in now as {}.", user.name, user.role.label().to_lowercase()));
            Ok(see_other("/admin/users"))
        }
        Err(Error::Invalid { code, field, value }) => {
            errors.add(field, field_sentence(code, field, value.as_ref()));
            users_page(&state, &admin, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub role: String,
}

/// Runs a change to one person and reports a refusal (such as removing the last admin) on the page.
async fn change_user(
    state: &AppState,
    admin: &CurrentUser,
    done: String,
    change: impl FnOnce(&mut app::DbConnection, &app::Context) -> Result<(), Error> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let ctx = admin.context(state).await?;
    match state.db(move |conn| Ok(change(conn, &ctx))).await? {
        Ok(()) => {
            admin.flash(done);
            Ok(see_other("/admin/users"))
        }
        Err(Error::Invalid { code, field, value }) => {
            let problem = Some(format!("Not changed: {}", field_sentence(code, field, value.as_ref())));
            let form = NewUserForm { role: Role::Requester.as_str().into(), ..Default::default() };
            users_page(state, admin, form, FieldErrors::default(), problem, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn change_role(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id: UserId = admin_id(&path)?;
    let role = Role::parse(&form.role).map_err(|e| AppError::BadRequest(format!("role: {e}")))?;
    let done = format!("Role changed to {}.", role.label().to_lowercase());
    change_user(&state, &admin, done, move |conn, ctx| app::admin::set_role(conn, ctx, id, role)).await
}

pub async fn disable_user(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id: UserId = admin_id(&path)?;
    change_user(&state, &admin, "Disabled and signed out everywhere.".into(), move |conn, ctx| {
        app::admin::set_disabled(conn, ctx, id, true)
    })
    .await
}

pub async fn enable_user(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id: UserId = admin_id(&path)?;
    change_user(&state, &admin, "Enabled again.".into(), move |conn, ctx| {
        app::admin::set_disabled(conn, ctx, id, false)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Services and categories

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct CatalogForm {
    pub name: String,
    pub tier: String,
    pub description: String,
    /// A checkbox: present when ticked.
    pub archived: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/catalog.html")]
struct CatalogPage {
    layout: Layout,
    /// `services` or `categories`.
    kind: &'static str,
    heading: &'static str,
    entries: Vec<CatalogLine>,
    tiers: Vec<Choice>,
    form: CatalogForm,
    errors: FieldErrors,
    problem: Option<String>,
}

pub struct CatalogLine {
    pub id: i64,
    pub name: String,
    pub tier: String,
    pub description: String,
    pub archived: bool,
}

impl From<Service> for CatalogLine {
    fn from(s: Service) -> Self {
        CatalogLine {
            id: s.id.0,
            name: s.name,
            tier: s.tier.as_str().into(),
            description: s.description,
            archived: s.archived,
        }
    }
}

impl From<Category> for CatalogLine {
    fn from(c: Category) -> Self {
        CatalogLine { id: c.id.0, name: c.name, tier: String::new(), description: c.description, archived: c.archived }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Services,
    Categories,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Services => "services",
            Kind::Categories => "categories",
        }
    }
}

async fn catalog_page(
    state: &AppState,
    admin: &CurrentUser,
    kind: Kind,
    form: CatalogForm,
    errors: FieldErrors,
    problem: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let ctx = admin.context(state).await?;
    let entries: Vec<CatalogLine> = state
        .db(move |conn| {
            Ok(match kind {
                Kind::Services => app::admin::all_services(conn, &ctx)?.into_iter().map(CatalogLine::from).collect(),
                Kind::Categories => {
                    app::admin::all_categories(conn, &ctx)?.into_iter().map(CatalogLine::from).collect()
                }
            })
        })
        .await?;
    let page = CatalogPage {
        layout: admin.layout(if kind == Kind::Services { "Services" } else { "Categories" }, "admin"),
        kind: kind.path(),
        heading: if kind == Kind::Services { "Services" } else { "Categories" },
        entries,
        tiers: Tier::ALL.iter().map(|t| Choice { value: t.as_str().into(), label: t.label().into() }).collect(),
        form,
        errors,
        problem,
    };
    render(status, &page)
}

pub async fn services(state: web::Data<AppState>, admin: CurrentUser) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let form = CatalogForm { tier: Tier::Important.as_str().into(), ..Default::default() };
    catalog_page(&state, &admin, Kind::Services, form, FieldErrors::default(), None, StatusCode::OK).await
}

pub async fn categories(state: web::Data<AppState>, admin: CurrentUser) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    catalog_page(&state, &admin, Kind::Categories, CatalogForm::default(), FieldErrors::default(), None, StatusCode::OK)
        .await
}

fn validate(kind: Kind, form: &CatalogForm, errors: &mut FieldErrors) -> Option<CatalogEntry> {
    let name = errors.check("name", CatalogName::parse(&form.name));
    let tier = match kind {
        Kind::Services => errors.check("tier", Tier::parse(&form.tier)),
        Kind::Categories => Some(Tier::Important),
    };
    let description = errors.check("description", CatalogDescription::parse(&form.description));
    Some(CatalogEntry { name: name?, tier: tier?, description: description?, archived: form.archived.is_some() })
}

/// Creates (`id` None) or updates an entry, re-showing the page with the problem if refused.
async fn save_entry(
    state: &AppState,
    admin: &CurrentUser,
    kind: Kind,
    id: Option<i64>,
    form: CatalogForm,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let Some(values) = validate(kind, &form, &mut errors) else {
        let (form, problem) = match id {
            None => (form, None),
            Some(_) => (
                CatalogForm::default(),
                Some(format!(
                    "Not saved: {}",
                    errors.of("name").or(errors.of("tier")).or(errors.of("description")).unwrap_or("check the fields.")
                )),
            ),
        };
        return catalog_page(state, admin, kind, form, errors, problem, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let ctx = admin.context(state).await?;
    let outcome = state
        .db(move |conn| {
            Ok(match kind {
                Kind::Services => app::admin::save_service(conn, &ctx, id.map(ServiceId), &values),
                Kind::Categories => app::admin::save_category(conn, &ctx, id.map(CategoryId), &values),
            })
        })
        .await?;
    match outcome {
        Ok(()) => {
            admin.flash(if id.is_some() { "Saved." } else { "Added." });
            Ok(see_other(&format!("/admin/{}", kind.path())))
        }
        Err(Error::Invalid { code, field, value }) => {
            let message = field_sentence(code, field, value.as_ref());
            let (form, problem) = match id {
                None => {
                    errors.add(field, message);
                    (form, None)
                }
                Some(_) => (CatalogForm::default(), Some(format!("Not saved: {message}"))),
            };
            catalog_page(state, admin, kind, form, errors, problem, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn add_service(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(form): CsrfForm<CatalogForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    save_entry(&state, &admin, Kind::Services, None, form).await
}

pub async fn update_service(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<CatalogForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id = admin_id::<i64>(&path)?;
    save_entry(&state, &admin, Kind::Services, Some(id), form).await
}

pub async fn add_category(
    state: web::Data<AppState>,
    admin: CurrentUser,
    CsrfForm(form): CsrfForm<CatalogForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    save_entry(&state, &admin, Kind::Categories, None, form).await
}

pub async fn update_category(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<CatalogForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id = admin_id::<i64>(&path)?;
    save_entry(&state, &admin, Kind::Categories, Some(id), form).await
}

/// `POST /admin/users/{id}/reset`: a one-time link for someone who forgot their password, shown
/// to the admin to pass on.
pub async fn reset_link(
    state: web::Data<AppState>,
    admin: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    admin.require_admin()?;
    let id: UserId = admin_id(&path)?;
    let ctx = admin.context(&state).await?;
    let secret = state.db(move |conn| Ok(app::admin::password_reset(conn, &ctx, id)?)).await?;
    admin.flash(format!("Pass this link on; it works once, for 24 hours: {}/reset/{secret}", state.config.public_url));
    Ok(see_other("/admin/users"))
}
