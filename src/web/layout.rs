//! What every page's base layout needs: the navigation's user, the CSRF token, the one-time
//! message. Shared by the pages and the error pages (which must not depend on each other).

use crate::app::User;
use serde::{Deserialize, Serialize};

/// A one-time message shown on the next page after an action.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// `success` or `error`; used as a CSS class.
    pub kind: String,
    pub text: String,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Self {
        Self { kind: "success".into(), text: text.into() }
    }
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub is_engineer: bool,
    pub is_admin: bool,
    /// Unread inbox items.
    pub unread: i64,
}

impl From<&User> for NavUser {
    fn from(user: &User) -> Self {
        NavUser {
            id: user.id.0,
            name: user.name.clone(),
            role: user.role.label(),
            is_engineer: user.role.is_engineer(),
            is_admin: user.role.is_admin(),
            unread: 0,
        }
    }
}

/// The base layout's context.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// Which navigation entry is current.
    pub section: &'static str,
}

impl Layout {
    pub fn anonymous(title: impl Into<String>) -> Self {
        Layout { title: title.into(), user: None, csrf: String::new(), flash: None, section: "" }
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}
