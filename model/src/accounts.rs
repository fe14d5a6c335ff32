//! Accounts, roles and what each role may do. The one table of permissions: the
//! server enforces it on every request, and the UI reads it to hide what a role
//! cannot do.

use serde::{Deserialize, Serialize};

/// A reviewer's duty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Browses incidents, uploads bundles, annotates, runs the incident workflow.
    ComplianceReviewer,
    /// Verifies, reads everything and exports; changes nothing.
    Auditor,
    /// Signs off approval chains.
    AccessReviewer,
    /// Manages users, roles, trust roots and settings.
    Admin,
}

impl Role {
    /// Every role, in the order the UI lists them.
    pub const ALL: [Role; 4] = [
        Role::ComplianceReviewer,
        Role::Auditor,
        Role::AccessReviewer,
        Role::Admin,
    ];

    /// The role's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ComplianceReviewer => "compliance_reviewer",
            Role::Auditor => "auditor",
            Role::AccessReviewer => "access_reviewer",
            Role::Admin => "admin",
        }
    }

    /// The role read from its stored name.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The role as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Role::ComplianceReviewer => "Compliance reviewer",
            Role::Auditor => "Auditor",
            Role::AccessReviewer => "Access reviewer",
            Role::Admin => "Admin",
        }
    }

    /// What a reviewer with this role is there to do, in a sentence.
    pub fn duty(self) -> &'static str {
        match self {
            Role::ComplianceReviewer => "Reviews incidents: uploads bundles, reads their timelines, records who is responsible for each action, comments, disposes of attribution gaps, runs the incident workflow (status and assignee) and exports the review.",
            Role::Auditor => "Checks everything without changing anything: reads every incident, bundle and sign-off, verifies bundles in the browser against roots of their own choosing, checks the signed review log and exports it.",
            Role::AccessReviewer => "Signs off approval chains (request, approval, execution, side effect): approves, rejects, flags or reassigns each, in their own name; never one they uploaded, and never two steps of one chain.",
            Role::Admin => "Runs the console: accounts and roles, trust roots, the sign-off steps and the attribution-gap policy, re-verification of stored bundles; also uploads bundles and runs the incident workflow.",
        }
    }

    /// Why a reviewer with this role is refused what the role may not do.
    pub fn refusal(self) -> &'static str {
        match self {
            Role::ComplianceReviewer => "a compliance reviewer cannot do this",
            Role::Auditor => "an auditor cannot do this",
            Role::AccessReviewer => "an access reviewer cannot do this",
            Role::Admin => "an admin cannot do this",
        }
    }

    /// Whether this role may do `what`.
    pub fn can(self, what: Permission) -> bool {
        use Permission::*;
        match self {
            Role::ComplianceReviewer => {
                matches!(what, Read | Upload | Annotate | Workflow | Export)
            }
            Role::Auditor => matches!(what, Read | Export),
            Role::AccessReviewer => matches!(what, Read | SignOff),
            Role::Admin => matches!(what, Read | Upload | Workflow | Administer),
        }
    }
}

/// Something a request does, which a role may or may not be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read incidents, bundles, events, annotations, sign-offs and the review log.
    Read,
    /// Store bundles and open incidents for them.
    Upload,
    /// Record responsibility annotations and comments.
    Annotate,
    /// Change an incident's status and assignee.
    Workflow,
    /// Sign off approval chains.
    SignOff,
    /// Export the review log and reports.
    Export,
    /// Manage users, roles, trust roots and settings; re-verify stored bundles.
    Administer,
}

impl Permission {
    /// What the permission allows, as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Permission::Read => {
                "Read incidents, bundles, events, annotations, sign-offs and the review log"
            }
            Permission::Upload => "Upload bundles and open incidents for them",
            Permission::Annotate => {
                "Record responsibility annotations, comments and finding dispositions"
            }
            Permission::Workflow => "Change an incident's status and assignee; open incidents",
            Permission::SignOff => "Sign off approval chains",
            Permission::Export => "Export reviews and the review log",
            Permission::Administer => {
                "Manage users, roles, trust roots and settings; re-verify stored bundles"
            }
        }
    }

    /// Every permission.
    pub const ALL: [Permission; 7] = [
        Permission::Read,
        Permission::Upload,
        Permission::Annotate,
        Permission::Workflow,
        Permission::SignOff,
        Permission::Export,
        Permission::Administer,
    ];
}

/// The signed-in reviewer, as the UI sees them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Reviewer {
    /// The account name.
    pub username: String,
    /// The name shown.
    pub display_name: String,
    /// The reviewer's duty.
    pub role: Role,
}

impl Reviewer {
    /// Whether this reviewer may do `what`.
    pub fn can(&self, what: Permission) -> bool {
        self.role.can(what)
    }

    /// The display name, or the account name when there is none.
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// An account, as the Users page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Account {
    /// The account name.
    pub username: String,
    /// The name shown.
    pub display_name: String,
    /// The duty.
    pub role: Role,
    /// When it was disabled, if it was.
    pub disabled_at: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// Whether its password is a one-time password an admin set, which it must
    /// replace at its next sign-in.
    #[serde(default)]
    pub password_expired: bool,
}

/// A one-time password an admin issued, shown to them once.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct OneTimePassword {
    /// The account it is for.
    pub username: String,
    /// The password, which the account must replace at its next sign-in.
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_auditors_change_nothing() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        let changes = [
            Permission::Upload,
            Permission::Annotate,
            Permission::Workflow,
            Permission::SignOff,
            Permission::Administer,
        ];
        assert!(changes.iter().all(|&p| !Role::Auditor.can(p)));
        assert!(Role::ALL.iter().all(|r| r.can(Permission::Read)));
        // Each duty to exactly one role.
        assert_eq!(
            Role::ALL
                .iter()
                .filter(|r| r.can(Permission::SignOff))
                .count(),
            1
        );
        assert_eq!(
            Role::ALL
                .iter()
                .filter(|r| r.can(Permission::Annotate))
                .count(),
            1
        );
        assert_eq!(
            Role::ALL
                .iter()
                .filter(|r| r.can(Permission::Administer))
                .count(),
            1
        );
    }
}

/// Whether a machine token may be used now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// Usable until it expires.
    Active,
    /// Past its expiry: refused.
    Expired,
    /// Revoked by an admin: refused.
    Revoked,
}

impl TokenState {
    /// The state as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }
}

/// A machine token, as the Users page lists it: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MachineToken {
    /// Its name, unique; the review log names its uses `token:<name>`.
    pub name: String,
    /// The one incident it may send evidence into, when it is scoped to one.
    pub incident: Option<i64>,
    /// The admin who made it.
    pub created_by: String,
    /// When it was made.
    pub created_at: String,
    /// When it stops working.
    pub expires_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// When it was last used to send evidence, to the minute; `None` when never.
    pub last_used_at: Option<String>,
    /// Whether it may be used now.
    pub state: TokenState,
}

/// A machine token just made: its secret, shown to the admin once and never stored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct NewMachineToken {
    /// The token as listed.
    pub token: MachineToken,
    /// The secret, for `Authorization: Bearer`.
    pub secret: String,
}
