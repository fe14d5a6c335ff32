//! Sealing what was received: the mapped events signed by the collector's key, as
//! their emitter, chained in time order, under a manifest the same key signs. The
//! bundle carries the collector's binding, so a verifier that trusts the root which
//! signed it trusts the collector's signature: from the moment of receipt the events
//! have a hash chain and a Merkle root.

use evidence::producer::{BundleBuilder, Signer};

use crate::Mapped;

/// A collector: its key and the ID that key is bound to.
pub struct Collector<'a> {
    /// Its signing key.
    pub signer: &'a Signer,
    /// The ID its binding certifies the key for (the events' `emitter`, the
    /// manifest's `collector`).
    pub id: &'a str,
    /// Its binding (a DSSE envelope, JSON text) signed by an organisation root; a
    /// bundle without one verifies as untrusted.
    pub binding: Option<&'a str>,
}

/// The bundle (JSON text) of `events`, signed by `collector` at `issued_at`.
pub fn seal(
    events: Vec<Mapped>,
    collector: &Collector<'_>,
    bundle_id: &str,
    issued_at: &str,
) -> Result<String, String> {
    let mut builder = BundleBuilder::new();
    if let Some(binding) = collector.binding {
        builder
            .statement(binding)
            .map_err(|e| format!("the collector's binding: {e}"))?;
    }
    for event in events {
        builder.event(collector.signer, collector.id, &event.time, event.body);
    }
    Ok(builder.finish(collector.signer, collector.id, bundle_id, issued_at))
}

#[cfg(test)]
mod tests {
    use evidence::bundle::{verify, Limits};
    use evidence::event::Via;

    use super::*;
    use crate::{events, Receipt};

    #[test]
    fn a_sealed_receipt_verifies_against_the_root_that_bound_the_collector() {
        let root = Signer::from_seed([1; 32]);
        let key = Signer::from_seed([2; 32]);
        let binding = root.binding(
            &key.public_key(),
            "custody-collector",
            "2020-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        );
        let receipt = Receipt {
            via: Via::Received,
            received_at: "2026-12-06T10:00:00Z",
            file: None,
        };
        let mapped = events(&crate::map::tests::sample(), &receipt);
        let n = mapped.len();
        let collector = Collector {
            signer: &key,
            id: "custody-collector",
            binding: Some(&binding),
        };
        let bundle = seal(mapped, &collector, "otlp-1", "2026-12-06T10:00:00Z").expect("sealed");
        let report =
            verify(bundle.as_bytes(), &[root.public_key()], &Limits::default()).expect("readable");
        assert_eq!(report.status().code(), "verified", "{:?}", report.reasons());
        assert_eq!(report.events().len(), n);
        // Without the binding, the same receipt is untrusted, not verified.
        let bare = Collector {
            binding: None,
            ..collector
        };
        let mapped = events(&crate::map::tests::sample(), &receipt);
        let bundle = seal(mapped, &bare, "otlp-2", "2026-12-06T10:00:00Z").expect("sealed");
        let report =
            verify(bundle.as_bytes(), &[root.public_key()], &Limits::default()).expect("readable");
        assert_eq!(report.status().code(), "untrusted");
    }
}
