use super::{CompanyId, Role, RoleSet, UserId};

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ApiToken,
    Session,
    Jwt,
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            Self::ApiToken => "api-token",
            Self::Session => "session",
            Self::Jwt => "jwt",
        }
    }
}

/// The authenticated caller. Every access decision in the service layer is made
/// from this value, never from what the page chose to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub email: String,
    pub company: Option<CompanyId>,
    pub roles: RoleSet,
    pub method: AuthMethod,
}

impl Principal {
    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.contains_any(roles)
    }

    /// Whether the caller reaches every company (superadmin, auditor).
    pub fn is_global(&self) -> bool {
        self.roles.iter().any(Role::is_global)
    }
}
