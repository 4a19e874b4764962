use crate::Invalid;

/// A member's role in a workspace. Declared from least to most powerful, so
/// the derived ordering is the hierarchy: owner > admin > editor > viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

/// A change to a workspace's membership that someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Add { role: Role },
    ChangeRole { from: Role, to: Role },
    Remove { role: Role, is_self: bool },
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// In the OpenAPI document: one of the role names, as serialized.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Role {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Role::ALL.map(Role::as_str)))
            .description(Some("owner > admin > editor > viewer"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Role {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleError {
    /// The actor's role does not allow this.
    Forbidden,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| Invalid::new(field, "must be one of owner, admin, editor, viewer"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// Every member may read the workspace and its member list.
    pub fn can_read(self) -> bool {
        true
    }

    /// Editors and above create and change content.
    pub fn can_write_content(self) -> bool {
        self >= Role::Editor
    }

    /// Admins and owners change the workspace's own settings.
    pub fn can_update_workspace(self) -> bool {
        self >= Role::Admin
    }

    /// Admins and owners see and cancel the workspace's pending invitations.
    pub fn can_manage_invitations(self) -> bool {
        self >= Role::Admin
    }

    /// Only owners delete a workspace.
    pub fn can_delete_workspace(self) -> bool {
        self == Role::Owner
    }

    /// Whether a member with this role may make `change`. Admins manage
    /// everyone below owner and grant up to admin; only owners touch owners.
    /// Anyone may leave. Keeping at least one owner is checked against the
    /// stored membership, not here.
    pub fn authorize(self, change: MemberChange) -> Result<(), RoleError> {
        let allowed = match change {
            MemberChange::Remove { is_self: true, .. } => true,
            MemberChange::Add { role } => self >= Role::Admin && self >= role,
            MemberChange::ChangeRole { from, to } => self >= Role::Admin && self >= from && self >= to,
            MemberChange::Remove { role, is_self: false } => self >= Role::Admin && self >= role,
        };
        if allowed { Ok(()) } else { Err(RoleError::Forbidden) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn roles_are_ordered_owner_admin_editor_viewer() {
        assert!(Owner > Admin && Admin > Editor && Editor > Viewer);
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse("role", role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("role", "Owner").unwrap_err().field, "role");
        assert!(Role::parse("role", "superuser").is_err());
    }

    #[test]
    fn workspace_permissions_follow_the_hierarchy() {
        assert_eq!(Role::ALL.map(Role::can_read), [true, true, true, true]);
        assert_eq!(Role::ALL.map(Role::can_write_content), [true, true, true, false]);
        assert_eq!(Role::ALL.map(Role::can_update_workspace), [true, true, false, false]);
        assert_eq!(Role::ALL.map(Role::can_delete_workspace), [true, false, false, false]);
        assert_eq!(Role::ALL.map(Role::can_manage_invitations), [true, true, false, false]);
    }

    #[test]
    fn only_admins_and_owners_add_members_and_never_above_themselves() {
        for role in Role::ALL {
            assert_eq!(Owner.authorize(MemberChange::Add { role }), Ok(()));
        }
        assert_eq!(Admin.authorize(MemberChange::Add { role: Admin }), Ok(()));
        assert_eq!(Admin.authorize(MemberChange::Add { role: Owner }), Err(RoleError::Forbidden));
        for actor in [Editor, Viewer] {
            assert_eq!(actor.authorize(MemberChange::Add { role: Viewer }), Err(RoleError::Forbidden));
        }
    }

    #[test]
    fn admins_cannot_touch_owners() {
        let demote_owner = MemberChange::ChangeRole { from: Owner, to: Viewer };
        assert_eq!(Admin.authorize(demote_owner), Err(RoleError::Forbidden));
        assert_eq!(Owner.authorize(demote_owner), Ok(()));
        let promote = MemberChange::ChangeRole { from: Editor, to: Owner };
        assert_eq!(Admin.authorize(promote), Err(RoleError::Forbidden));
        let remove_owner = MemberChange::Remove { role: Owner, is_self: false };
        assert_eq!(Admin.authorize(remove_owner), Err(RoleError::Forbidden));
        assert_eq!(Admin.authorize(MemberChange::Remove { role: Editor, is_self: false }), Ok(()));
    }

    #[test]
    fn anyone_may_leave_but_not_remove_others() {
        assert_eq!(Viewer.authorize(MemberChange::Remove { role: Viewer, is_self: true }), Ok(()));
        assert_eq!(Editor.authorize(MemberChange::Remove { role: Viewer, is_self: false }), Err(RoleError::Forbidden));
    }
}
