//! `/inbox`: what the person was notified of, newest first (the bell in the header).

use crate::app;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, When, ok, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;

pub struct ItemLine {
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub request_id: Option<i64>,
    pub when: When,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    unread: i64,
    items: Vec<ItemLine>,
}

pub async fn page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let ctx = user.context(&state).await?;
    let (now, tz) = (ctx.now, ctx.reading_zone());
    let items = state.db(move |conn| Ok(app::notify::inbox(conn, &ctx)?)).await?;
    ok(&InboxPage {
        layout: user.layout("Inbox", "inbox"),
        unread: user.unread,
        items: items
            .into_iter()
            .map(|i| ItemLine {
                when: When::new(i.at, now, tz),
                topic: i.topic,
                subject: i.subject,
                body: i.body,
                request_id: i.request_id,
                unread: i.unread,
            })
            .collect(),
    })
}

pub async fn mark_read(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let ctx = user.context(&state).await?;
    state.db(move |conn| Ok(app::notify::mark_inbox_read(conn, &ctx)?)).await?;
    Ok(see_other("/inbox"))
}
