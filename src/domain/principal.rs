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

    /// Whether the caller may see data of `company` at all.
    pub fn may_view_company(&self, company: CompanyId) -> bool {
        self.is_global() || self.company == Some(company)
    }

    /// Whether the caller may send payment requests for `company`.
    pub fn may_send_for(&self, company: CompanyId) -> bool {
        self.roles.contains(Role::SuperAdmin)
            || (self.roles.contains(Role::AdminWrite) && self.company == Some(company))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(roles: &[Role], company: Option<CompanyId>) -> Principal {
        Principal {
            user_id: UserId::new_random(),
            email: "a@example.com".into(),
            company,
            roles: roles.iter().copied().collect(),
            method: AuthMethod::ApiToken,
        }
    }

    #[test]
    fn company_scoping() {
        let a = CompanyId::new_random();
        let b = CompanyId::new_random();
        let writer = p(&[Role::AdminWrite], Some(a));
        assert!(writer.may_send_for(a));
        assert!(!writer.may_send_for(b));
        assert!(!writer.may_view_company(b));
        let reader = p(&[Role::AdminRead], Some(a));
        assert!(reader.may_view_company(a) && !reader.may_send_for(a));
        let auditor = p(&[Role::Auditor], None);
        assert!(auditor.may_view_company(b) && !auditor.may_send_for(b));
        let sa = p(&[Role::SuperAdmin], None);
        assert!(sa.may_send_for(b));
    }
}
