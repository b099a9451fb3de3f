//! Who may do what: the one home of every permission rule. The services ask it before
//! they act, and the pages ask it which links and buttons to show, so the two never
//! disagree.

use super::{CompanyId, Principal, Role, RoleSet, User, UserId};

/// Whoever a use case acts for: a signed-in principal, or the operator at the command
/// line (who has the server's own authority and is audited as "operator"), or the
/// background reconciliation (the server itself, audited as "reconciliation"), or the
/// daily digest the server sends by itself (audited as "digest").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    User(&'a Principal),
    Operator,
    Reconciliation,
    Digest,
}

impl<'a> Actor<'a> {
    pub fn principal(self) -> Option<&'a Principal> {
        match self {
            Self::User(p) => Some(p),
            Self::Operator | Self::Reconciliation | Self::Digest => None,
        }
    }

    /// The name the audit log records.
    pub fn name(self) -> &'a str {
        match self {
            Self::User(p) => &p.email,
            Self::Operator => "operator",
            Self::Reconciliation => "reconciliation",
            Self::Digest => "digest",
        }
    }

    fn has_any(self, roles: &[Role]) -> bool {
        match self {
            Self::User(p) => p.has_any(roles),
            Self::Operator | Self::Reconciliation | Self::Digest => true,
        }
    }

    fn own_company(self) -> Option<CompanyId> {
        self.principal().and_then(|p| p.company)
    }
}

impl<'a> From<&'a Principal> for Actor<'a> {
    fn from(p: &'a Principal) -> Self {
        Self::User(p)
    }
}

/// Roles that may read checkouts (API GET, worklist, checkout page).
pub const VIEW_ROLES: [Role; 4] = [
    Role::AdminWrite,
    Role::AdminRead,
    Role::SuperAdmin,
    Role::Auditor,
];

/// Roles that may send payment requests (the BokaMera endpoint's roles).
pub const SEND_ROLES: [Role; 2] = [Role::AdminWrite, Role::SuperAdmin];

/// Whether the actor reaches every company (superadmin, auditor, the operator).
pub fn is_global(actor: Actor<'_>) -> bool {
    match actor {
        Actor::User(p) => p.is_global(),
        Actor::Operator | Actor::Reconciliation | Actor::Digest => true,
    }
}

pub fn may_view_checkouts(actor: Actor<'_>) -> bool {
    actor.has_any(&VIEW_ROLES)
}

/// Whether the actor may see data of `company` at all.
pub fn may_view_company(actor: Actor<'_>, company: CompanyId) -> bool {
    is_global(actor) || actor.own_company() == Some(company)
}

/// Whether the actor may send payment requests for `company`.
pub fn may_send_for(actor: Actor<'_>, company: CompanyId) -> bool {
    actor.has_any(&[Role::SuperAdmin])
        || (actor.has_any(&[Role::AdminWrite]) && actor.own_company() == Some(company))
}

/// Whether the actor may see (and follow) a bulk send job `creator` made: its creator
/// and superadmins.
pub fn may_see_bulk_job(actor: Actor<'_>, creator: UserId) -> bool {
    actor.has_any(&[Role::SuperAdmin]) || actor.principal().is_some_and(|p| p.user_id == creator)
}

/// Whether the actor may send payment requests at all (rule 2 of the API, and whether
/// the worklist offers sending).
pub fn may_send_some(actor: Actor<'_>) -> bool {
    actor.has_any(&SEND_ROLES)
}

/// Adding companies and managing users, roles and API tokens.
pub fn may_manage_users(actor: Actor<'_>) -> bool {
    actor.has_any(&[Role::SuperAdmin])
}

pub fn may_add_company(actor: Actor<'_>) -> bool {
    actor.has_any(&[Role::SuperAdmin])
}

/// A company's Payson credentials and API keys: superadmins, or that company's write
/// administrators.
pub fn may_manage_company(actor: Actor<'_>, company: CompanyId) -> bool {
    actor.has_any(&[Role::SuperAdmin])
        || (actor.has_any(&[Role::AdminWrite]) && actor.own_company() == Some(company))
}

/// Whether the actor manages any company at all (the Companies page).
pub fn may_manage_some_company(actor: Actor<'_>) -> bool {
    actor.has_any(&[Role::SuperAdmin, Role::AdminWrite])
}

pub fn may_read_audit(actor: Actor<'_>) -> bool {
    actor.has_any(&[Role::SuperAdmin, Role::Auditor])
}

/// The log of every Payson notification, across companies (each checkout's own
/// notifications are on its page for whoever may see the checkout).
pub fn may_read_notification_log(actor: Actor<'_>) -> bool {
    actor.has_any(&[Role::SuperAdmin, Role::Auditor])
}

/// The internal detail of a failure (database or Payson errors as they were raised):
/// superadmins only.
pub fn may_read_internal_errors(actor: Actor<'_>) -> bool {
    actor.has_any(&[Role::SuperAdmin])
}

/// A user's own settings (the digest opt-out): only that user, or the operator.
pub fn may_change_settings(actor: Actor<'_>, user: UserId) -> bool {
    match actor {
        Actor::User(p) => p.user_id == user,
        Actor::Operator => true,
        Actor::Reconciliation | Actor::Digest => false,
    }
}

/// Who the daily digest is for: enabled write administrators of the company itself
/// (superadmins see every company's worklist and are not mailed about each).
pub fn receives_digest(user: &User, company: CompanyId) -> bool {
    !user.disabled && user.company_id == Some(company) && user.roles.contains(Role::AdminWrite)
}

/// Whether the daily digest is for the actor (the settings page offers its opt-out).
pub fn gets_digest(actor: Actor<'_>) -> bool {
    matches!(actor, Actor::User(p) if p.company.is_some() && p.has_any(&[Role::AdminWrite]))
}

/// Sending the digest by hand (the command line): the operator only.
pub fn may_send_digest(actor: Actor<'_>) -> bool {
    matches!(actor, Actor::Operator | Actor::Digest)
}

/// Which parts of the desk the navigation offers: only what the user may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nav {
    pub audit: bool,
    pub companies: bool,
    pub users: bool,
    pub notifications: bool,
}

impl Nav {
    pub fn for_actor(actor: Actor<'_>) -> Self {
        Self {
            audit: may_read_audit(actor),
            companies: may_manage_some_company(actor),
            users: may_manage_users(actor),
            notifications: may_read_notification_log(actor),
        }
    }
}

/// Roles together with the company they apply to. A company role (administrator
/// write or read) means nothing without a company, so such a pair cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    roles: RoleSet,
    company: Option<CompanyId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Company roles need a company")]
pub struct CompanyRoleWithoutCompany;

impl Assignment {
    pub fn new(
        roles: RoleSet,
        company: Option<CompanyId>,
    ) -> Result<Self, CompanyRoleWithoutCompany> {
        let company_role = roles.iter().any(|r| !r.is_global());
        if company_role && company.is_none() {
            return Err(CompanyRoleWithoutCompany);
        }
        Ok(Self { roles, company })
    }

    pub fn roles(&self) -> RoleSet {
        self.roles
    }

    pub fn company(&self) -> Option<CompanyId> {
        self.company
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AuthMethod, UserId};

    fn user(roles: &[Role], company: Option<CompanyId>) -> Principal {
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
        let (w, r, au, s) = (
            user(&[Role::AdminWrite], Some(a)),
            user(&[Role::AdminRead], Some(a)),
            user(&[Role::Auditor], None),
            user(&[Role::SuperAdmin], None),
        );
        let (writer, reader, auditor, sa) = (
            Actor::from(&w),
            Actor::from(&r),
            Actor::from(&au),
            Actor::from(&s),
        );
        assert!(may_send_for(writer, a) && !may_send_for(writer, b));
        assert!(may_send_some(writer) && !may_send_some(reader) && !may_send_some(auditor));
        assert!(may_manage_company(writer, a) && !may_manage_company(writer, b));
        assert!(!may_view_company(writer, b) && !may_manage_users(writer));
        assert!(may_view_company(reader, a) && !may_send_for(reader, a));
        assert!(!may_manage_some_company(reader));
        assert!(may_view_company(auditor, b) && !may_send_for(auditor, b));
        assert!(may_read_audit(auditor) && !may_read_audit(writer));
        assert!(may_send_for(sa, b) && may_manage_users(sa) && may_add_company(sa));
        assert!(may_manage_users(Actor::Operator) && may_send_for(Actor::Operator, a));
        assert_eq!(Actor::Operator.name(), "operator");
        assert_eq!(
            Nav::for_actor(writer),
            Nav {
                audit: false,
                companies: true,
                users: false,
                notifications: false,
            }
        );
        assert!(may_read_notification_log(auditor) && may_read_notification_log(sa));
        assert!(!may_read_notification_log(writer) && !may_read_notification_log(reader));
        assert!(may_read_internal_errors(sa) && !may_read_internal_errors(auditor));
        assert!(!may_read_internal_errors(writer));
    }

    #[test]
    fn own_settings_and_digest_recipients() {
        let a = CompanyId::new_random();
        let w = user(&[Role::AdminWrite], Some(a));
        let other = user(&[Role::AdminWrite], Some(a));
        assert!(may_change_settings(Actor::from(&w), w.user_id));
        assert!(!may_change_settings(Actor::from(&w), other.user_id));
        assert!(may_change_settings(Actor::Operator, w.user_id));
        assert!(!may_change_settings(Actor::Digest, w.user_id));
        assert!(may_send_digest(Actor::Operator) && !may_send_digest(Actor::from(&w)));
        let person = |roles: &[Role], company: Option<CompanyId>, disabled: bool| User {
            id: UserId::new_random(),
            email: "u@example.com".into(),
            display_name: String::new(),
            password_hash: None,
            company_id: company,
            roles: roles.iter().copied().collect(),
            disabled,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert!(receives_digest(
            &person(&[Role::AdminWrite], Some(a), false),
            a
        ));
        assert!(!receives_digest(
            &person(&[Role::AdminWrite], Some(a), true),
            a
        ));
        assert!(!receives_digest(
            &person(&[Role::AdminRead], Some(a), false),
            a
        ));
        assert!(!receives_digest(
            &person(&[Role::AdminWrite], Some(CompanyId::new_random()), false),
            a
        ));
        assert!(!receives_digest(
            &person(&[Role::SuperAdmin], None, false),
            a
        ));
    }

    #[test]
    fn company_roles_need_a_company() {
        let c = CompanyId::new_random();
        let write: RoleSet = [Role::AdminWrite].into_iter().collect();
        let mixed: RoleSet = [Role::SuperAdmin, Role::AdminRead].into_iter().collect();
        let global: RoleSet = [Role::SuperAdmin, Role::Auditor].into_iter().collect();
        assert!(Assignment::new(write, None).is_err());
        // A global role does not excuse a company role from naming its company.
        assert!(Assignment::new(mixed, None).is_err());
        assert!(Assignment::new(mixed, Some(c)).is_ok());
        assert!(Assignment::new(global, None).is_ok());
        assert!(Assignment::new(RoleSet::empty(), None).is_ok());
    }
}
