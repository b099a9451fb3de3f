//! Users of checkout-desk. E-mails are stored and looked up lower-cased.

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{CompanyId, RoleSet, User, UserId};

pub(super) const COLUMNS: &str =
    "id, email, display_name, password_hash, company_id, roles, disabled, created_at";

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!("SELECT ", COLUMNS, " FROM users");

from_row!(User {
    id,
    email,
    display_name,
    password_hash,
    company_id,
    roles,
    disabled,
    created_at,
});

impl Store {
    pub async fn insert_user(&self, u: &User) -> StoreResult<()> {
        const SQL: &str = sql!(
            "INSERT INTO users (",
            COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        );
        execute!(
            self,
            SQL,
            u.id,
            u.email.to_lowercase(),
            &u.display_name,
            &u.password_hash,
            u.company_id,
            u.roles,
            u.disabled,
            u.created_at,
        )
        .map(|_| ())
    }

    pub async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        const SQL: &str = sql!(SELECT, " WHERE id = $1");
        fetch!(self, fetch_optional, SQL, id)
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        const SQL: &str = sql!(SELECT, " WHERE email = $1");
        fetch!(self, fetch_optional, SQL, email.trim().to_lowercase())
    }

    pub async fn users(&self) -> StoreResult<Vec<User>> {
        const SQL: &str = sql!(SELECT, " ORDER BY email");
        fetch!(self, fetch_all, SQL)
    }

    pub async fn set_user_password(&self, id: UserId, password_hash: &str) -> StoreResult<bool> {
        const SQL: &str = "UPDATE users SET password_hash = $2 WHERE id = $1";
        Ok(execute!(self, SQL, id, password_hash)? == 1)
    }

    pub async fn set_user_roles(
        &self,
        id: UserId,
        roles: RoleSet,
        company: Option<CompanyId>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE users SET roles = $2, company_id = $3 WHERE id = $1";
        Ok(execute!(self, SQL, id, roles, company)? == 1)
    }

    pub async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> {
        const SQL: &str = "UPDATE users SET disabled = $2 WHERE id = $1";
        Ok(execute!(self, SQL, id, disabled)? == 1)
    }
}
