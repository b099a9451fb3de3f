use std::fmt;

named_enum! {
    /// Roles, named as BokaMera names them where BokaMera has them (product.md §1).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Role, parsed by hand {
        SuperAdmin => "superadmin",
        AdminWrite => "bookingsupplier-administrator-write",
        AdminRead => "bookingsupplier-administrator-read",
        Auditor => "auditor",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}'")]
pub struct UnknownRole(pub String);

impl Role {
    pub fn parse(s: &str) -> Result<Self, UnknownRole> {
        Self::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }

    /// Whether the role reaches every company rather than only the user's own.
    pub fn is_global(self) -> bool {
        matches!(self, Self::SuperAdmin | Self::Auditor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A small set of roles; stored as a comma-separated list of role names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    pub fn empty() -> Self {
        Self(0)
    }

    fn bit(r: Role) -> u8 {
        1 << (r as u8)
    }

    pub fn with(mut self, r: Role) -> Self {
        self.0 |= Self::bit(r);
        self
    }

    pub fn contains(self, r: Role) -> bool {
        self.0 & Self::bit(r) != 0
    }

    pub fn contains_any(self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.contains(*r))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// Parses `a,b c` (commas or whitespace). Unknown names are an error, so a typo
    /// never silently grants or drops a role.
    pub fn parse_list(s: &str) -> Result<Self, UnknownRole> {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .try_fold(Self::empty(), |set, p| Ok(set.with(Role::parse(p)?)))
    }

    /// Keeps the known roles from an identity provider's claim and ignores the rest.
    pub fn from_names_lenient<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        names
            .into_iter()
            .filter_map(|n| Role::parse(n).ok())
            .fold(Self::empty(), Self::with)
    }

    pub fn to_list(self) -> String {
        self.iter().map(Role::name).collect::<Vec<_>>().join(",")
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<T: IntoIterator<Item = Role>>(iter: T) -> Self {
        iter.into_iter().fold(Self::empty(), Self::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_list_round_trips_and_rejects_typos() {
        let set = RoleSet::parse_list("superadmin, bookingsupplier-administrator-read").unwrap();
        assert!(set.contains(Role::SuperAdmin));
        assert!(set.contains(Role::AdminRead));
        assert!(!set.contains(Role::AdminWrite));
        assert_eq!(RoleSet::parse_list(&set.to_list()).unwrap(), set);
        assert!(RoleSet::parse_list("superadmn").is_err());
        assert_eq!(
            RoleSet::from_names_lenient(["x", "auditor"]).to_list(),
            "auditor"
        );
    }
}
