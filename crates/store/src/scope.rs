//! The tenant scope: proof that the caller may act inside one tenant.

use domain::{TenantId, UserId};

/// Every store method on a tenant's data takes one of these. It has no public constructor: the
/// only ways to get one are [`crate::Store::operator_scope`] (the CLI, whose operator holds the
/// data directory) and [`crate::Store::scope_for_user`] (a signed-in user of that tenant). So a
/// read of another tenant's data does not compile unless it went through one of them:
///
/// ```compile_fail
/// let scope = whereabouts_store::TenantScope { tenant: domain::TenantId::new(), actor: None };
/// ```
///
/// ```compile_fail
/// # async fn f(store: whereabouts_store::Store, id: domain::PersonId) {
/// // A person cannot be read without a scope.
/// let person = store.person(id).await;
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantScope {
    tenant: TenantId,
    actor: Option<UserId>,
    actor_name: String,
    /// The role the actor acts in; `None` for the local operator.
    role: Option<crate::UserRole>,
    /// The local operator making a disclosure (a file that leaves the instance) without a
    /// role: every person under a restriction of processing in force is left out (ICRC-DP-c).
    discloses: bool,
}

impl TenantScope {
    pub(crate) fn new(
        tenant: TenantId,
        actor: Option<UserId>,
        actor_name: String,
        role: Option<crate::UserRole>,
    ) -> Self {
        Self {
            tenant,
            actor,
            actor_name,
            role,
            discloses: false,
        }
    }

    /// The same actor making a disclosure: without a role, every restricted person is left
    /// out of what it reads (see [`crate::Store::disclosure_scope`]).
    pub(crate) fn disclosing(mut self) -> Self {
        self.discloses = true;
        self
    }

    /// Whether restricted persons are hidden from this scope even without a role.
    pub(crate) fn discloses(&self) -> bool {
        self.discloses
    }

    /// The role of the signed-in user or token; `None` for the CLI's local operator.
    #[must_use]
    pub fn role(&self) -> Option<crate::UserRole> {
        self.role
    }

    #[must_use]
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The signed-in user, or `None` for the local operator.
    #[must_use]
    pub fn actor(&self) -> Option<UserId> {
        self.actor
    }

    /// The same tenant seen without a role: every person, restricted ones included (ICRC-DP-c).
    /// Only for values built once and shared by every role of the tenant (the web's person
    /// directory and matching index); whoever serves from such a value must leave out
    /// [`crate::Store::hidden_persons`] of the caller's own scope on every request. Never use it
    /// to write or to audit: the actor is `shared-cache`.
    #[must_use]
    pub fn for_shared_cache(&self) -> Self {
        Self {
            tenant: self.tenant,
            actor: None,
            actor_name: "shared-cache".into(),
            role: None,
            discloses: false,
        }
    }

    /// A name for provenance: the username, or `operator:<name>` for the CLI.
    #[must_use]
    pub fn actor_name(&self) -> &str {
        &self.actor_name
    }
}
