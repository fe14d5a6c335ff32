//! Reconciliation as the console shows it: for each call of a bundle that an
//! incident's other side (signed bundles, or a collector's traces) should also
//! record, the call it was matched with, or the bundles that lack it
//! (`evidence::reconcile` decides; this only carries its answer).

use evidence::event::Provenance;
use evidence::reconcile::MatchedBy;
use serde::{Deserialize, Serialize};

/// An event of another bundle, as a link names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EventRef {
    /// Its bundle (SHA-256).
    pub bundle: String,
    /// Its position there.
    pub index: u64,
    /// Its one line, where the events table has it.
    pub summary: Option<String>,
    /// When, as signed.
    pub time: Option<String>,
    /// Who vouches for it.
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub provenance: Option<Provenance>,
}

/// What reconciliation says of one call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Counterpart {
    /// The same act, recorded by the other side.
    Matched {
        /// The call in this bundle.
        index: u64,
        /// The call that records the same act.
        other: EventRef,
        /// How they were matched.
        #[cfg_attr(feature = "schema", schema(value_type = String))]
        by: MatchedBy,
    },
    /// The other side covered its time and does not record it.
    Unreconciled {
        /// The call in this bundle.
        index: u64,
        /// The other side's bundles that lack it (SHA-256).
        missing_from: Vec<String>,
    },
}

impl Counterpart {
    /// The call in this bundle it is about.
    pub fn index(&self) -> u64 {
        match self {
            Counterpart::Matched { index, .. } | Counterpart::Unreconciled { index, .. } => *index,
        }
    }

    /// In words, for the inspector and a mark's title.
    pub fn describe(&self) -> String {
        match self {
            Counterpart::Matched { other, by, .. } => format!(
                "reconciled with event #{} of bundle {} ({}; {})",
                other.index,
                other.bundle.chars().take(12).collect::<String>(),
                other
                    .provenance
                    .map_or("provenance not recorded", Provenance::label),
                by.label()
            ),
            Counterpart::Unreconciled { missing_from, .. } => format!(
                "unreconciled: not in {}, which covers its time",
                missing_from
                    .iter()
                    .map(|b| b.chars().take(12).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}
