//! Services and categories, managed by admins.

use super::models::{Category, CategoryRow, Service, ServiceRow, naive};
use super::schema::{categories, requests, services};
use super::{DbConnection, write_transaction};
use crate::domain::{CategoryId, ServiceId, State, Tier};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("that name is already taken")]
    NameTaken,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DieselError),
}

fn name_taken(e: DieselError) -> CatalogError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => CatalogError::NameTaken,
        other => CatalogError::Db(other),
    }
}

pub fn services(conn: &mut DbConnection) -> QueryResult<Vec<Service>> {
    let rows: Vec<ServiceRow> = services::table
        .order((services::archived.asc(), services::name.asc()))
        .select(ServiceRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Service::try_from).collect()
}

pub fn categories(conn: &mut DbConnection) -> QueryResult<Vec<Category>> {
    let rows: Vec<CategoryRow> = categories::table
        .order((categories::archived.asc(), categories::name.asc()))
        .select(CategoryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Category::from).collect())
}

pub fn service(conn: &mut DbConnection, id: ServiceId) -> QueryResult<Option<Service>> {
    let row: Option<ServiceRow> = super::only(services::table.find(id.0).select(ServiceRow::as_select()).load(conn)?);
    row.map(Service::try_from).transpose()
}

pub fn category(conn: &mut DbConnection, id: CategoryId) -> QueryResult<Option<Category>> {
    let row: Option<CategoryRow> =
        super::only(categories::table.find(id.0).select(CategoryRow::as_select()).load(conn)?);
    Ok(row.map(Category::from))
}

pub struct ServiceInput<'a> {
    pub name: &'a str,
    pub tier: Tier,
    pub description: &'a str,
    pub archived: bool,
}

pub fn create_service(
    conn: &mut DbConnection,
    input: &ServiceInput<'_>,
    now: DateTime<Utc>,
) -> Result<ServiceId, CatalogError> {
    write_transaction(conn, |conn| {
        let id = diesel::insert_into(services::table)
            .values((
                services::name.eq(input.name),
                services::tier.eq(input.tier.as_str()),
                services::description.eq(input.description),
                services::archived.eq(input.archived),
                services::created_at.eq(naive(now)),
            ))
            .returning(services::id)
            .get_result(conn)
            .map_err(name_taken)?;
        Ok(ServiceId(id))
    })
}

/// Updates a service; open requests on it move in the queue with its new tier.
pub fn update_service(conn: &mut DbConnection, id: ServiceId, input: &ServiceInput<'_>) -> Result<(), CatalogError> {
    write_transaction(conn, |conn| {
        let changed = diesel::update(services::table.find(id.0))
            .set((
                services::name.eq(input.name),
                services::tier.eq(input.tier.as_str()),
                services::description.eq(input.description),
                services::archived.eq(input.archived),
            ))
            .execute(conn)
            .map_err(name_taken)?;
        if changed == 0 {
            return Err(CatalogError::NotFound);
        }
        let open: Vec<&str> = State::OPEN.iter().map(|s| s.as_str()).collect();
        diesel::update(requests::table.filter(requests::service_id.eq(id.0)).filter(requests::state.eq_any(open)))
            .set(requests::tier_rank.eq(Tier::rank(Some(input.tier))))
            .execute(conn)?;
        Ok(())
    })
}

pub struct CategoryInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub archived: bool,
}

pub fn create_category(
    conn: &mut DbConnection,
    input: &CategoryInput<'_>,
    now: DateTime<Utc>,
) -> Result<CategoryId, CatalogError> {
    write_transaction(conn, |conn| {
        let id = diesel::insert_into(categories::table)
            .values((
                categories::name.eq(input.name),
                categories::description.eq(input.description),
                categories::archived.eq(input.archived),
                categories::created_at.eq(naive(now)),
            ))
            .returning(categories::id)
            .get_result(conn)
            .map_err(name_taken)?;
        Ok(CategoryId(id))
    })
}

pub fn update_category(conn: &mut DbConnection, id: CategoryId, input: &CategoryInput<'_>) -> Result<(), CatalogError> {
    write_transaction(conn, |conn| {
        let changed = diesel::update(categories::table.find(id.0))
            .set((
                categories::name.eq(input.name),
                categories::description.eq(input.description),
                categories::archived.eq(input.archived),
            ))
            .execute(conn)
            .map_err(name_taken)?;
        if changed == 0 {
            return Err(CatalogError::NotFound);
        }
        Ok(())
    })
}
