//! RFC 6962 / RFC 9162 Merkle trees over SHA-256: the root over a list of leaves,
//! inclusion proofs, and verification of inclusion and consistency proofs.
//!
//! Leaf hash = SHA-256(0x00 ‖ data); node hash = SHA-256(0x01 ‖ left ‖ right); an odd
//! node is never duplicated; the root of the empty tree is SHA-256 of nothing.
//! Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Why a proof does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The index claimed.
        index: u64,
        /// The tree size claimed.
        size: u64,
    },
    /// The second tree is smaller than the first.
    #[error("tree size {second} is smaller than tree size {first}")]
    SizesOutOfOrder {
        /// The first (older) tree size.
        first: u64,
        /// The second (newer) tree size.
        second: u64,
    },
    /// The proof has the wrong number of hashes for the sizes claimed.
    #[error("the proof has {got} hashes; these sizes need {want}")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes needed.
        want: usize,
    },
    /// The proof computes a root other than the one given.
    #[error("the proof does not lead to the given root")]
    RootMismatch,
}

/// The hash of a leaf holding `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node over two children.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root over `leaves` (leaf hashes, in order): RFC 6962 MTH.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => Sha256::digest([]).into(),
        [one] => *one,
        _ => {
            let (left, right) = leaves.split_at(split_point(leaves.len()));
            node_hash(&root(left), &root(right))
        }
    }
}

/// The inclusion proof of leaf `index` in the tree over `leaves`: RFC 6962 PATH,
/// nearest sibling first. `None` when `index` is outside the tree.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    path(leaves, index, &mut proof);
    Some(proof)
}

fn path(leaves: &[Hash], index: usize, proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let (left, right) = leaves.split_at(split_point(leaves.len()));
    if index < left.len() {
        path(left, index, proof);
        proof.push(root(right));
    } else {
        path(right, index - left.len(), proof);
        proof.push(root(left));
    }
}

/// The inclusion proofs of the leaves at `indexes` in the tree over `leaves`, in the
/// order of `indexes`: each what [`inclusion_proof`] gives, computed in one pass over
/// the tree (linear in its size, however many proofs). `None` when an index is
/// outside the tree.
pub fn inclusion_proofs(leaves: &[Hash], indexes: &[usize]) -> Option<Vec<Vec<Hash>>> {
    if indexes.iter().any(|i| *i >= leaves.len()) {
        return None;
    }
    let mut proofs = vec![Vec::new(); indexes.len()];
    let wanted: Vec<(usize, usize)> = indexes.iter().copied().zip(0..).collect();
    paths(leaves, &wanted, &mut proofs);
    Some(proofs)
}

/// The consistency proof from the tree over the first `size1` of `leaves` to the tree
/// over all of them: RFC 6962 PROOF, which [`verify_consistency`] checks. Empty when
/// `size1` is 0 or every leaf; `None` when `size1` is more than there are leaves.
pub fn consistency_proof(leaves: &[Hash], size1: usize) -> Option<Vec<Hash>> {
    if size1 > leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    if size1 > 0 && size1 < leaves.len() {
        subproof(size1, leaves, true, &mut proof);
    }
    Some(proof)
}

/// RFC 6962 SUBPROOF(m, leaves, whole), pushed onto `proof`.
fn subproof(m: usize, leaves: &[Hash], whole: bool, proof: &mut Vec<Hash>) {
    if m == leaves.len() {
        if !whole {
            proof.push(root(leaves));
        }
        return;
    }
    let (left, right) = leaves.split_at(split_point(leaves.len()));
    if m <= left.len() {
        subproof(m, left, whole, proof);
        proof.push(root(right));
    } else {
        subproof(m - left.len(), right, false, proof);
        proof.push(root(left));
    }
}

/// The root over `leaves`, pushing onto `proofs[slot]` the sibling hashes on the way
/// for every `(index, slot)` in `wanted` (indexes inside `leaves`).
fn paths(leaves: &[Hash], wanted: &[(usize, usize)], proofs: &mut [Vec<Hash>]) -> Hash {
    if leaves.len() <= 1 || wanted.is_empty() {
        return root(leaves);
    }
    let (left, right) = leaves.split_at(split_point(leaves.len()));
    let in_left: Vec<(usize, usize)> = wanted
        .iter()
        .filter(|(index, _)| *index < left.len())
        .copied()
        .collect();
    let in_right: Vec<(usize, usize)> = wanted
        .iter()
        .filter(|(index, _)| *index >= left.len())
        .map(|(index, slot)| (index - left.len(), *slot))
        .collect();
    let left_root = paths(left, &in_left, proofs);
    let right_root = paths(right, &in_right, proofs);
    for (wanted, sibling) in [(&in_left, right_root), (&in_right, left_root)] {
        for (_, slot) in wanted {
            if let Some(proof) = proofs.get_mut(*slot) {
                proof.push(sibling);
            }
        }
    }
    node_hash(&left_root, &right_root)
}

/// The largest power of two smaller than `n` (for `n` ≥ 2).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if &inclusion_root(index, size, leaf, proof)? == root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The root an inclusion proof of `leaf` at `index` in a tree of `size` leaves leads
/// to, when the proof has the length that index and size need.
pub fn inclusion_root(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = decompose(index, size);
    if proof.len() != inner + border {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inner + border,
        });
    }
    let (inner_proof, border_proof) = proof.split_at(inner);
    Ok(chain_border_right(
        chain_inner(*leaf, inner_proof, index),
        border_proof,
    ))
}

/// Checks that the tree of `size1` leaves with root `root1` is a prefix of the tree of
/// `size2` leaves with root `root2`.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizesOutOfOrder {
            first: size1,
            second: size2,
        });
    }
    if size1 == size2 || size1 == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        // Every tree extends the empty tree; equal sizes need equal roots.
        return if size1 == 0 || root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let (inner, border) = decompose(size1 - 1, size2);
    let shift = size1.trailing_zeros() as usize;
    let inner = inner.saturating_sub(shift);
    // The proof starts with the root of the subtree of size 2^shift, unless the first
    // tree is exactly that subtree.
    let (seed, rest) = if size1 == 1 << shift {
        (*root1, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => {
                return Err(ProofError::WrongLength {
                    got: 0,
                    want: 1 + inner + border,
                })
            }
        }
    };
    if rest.len() != inner + border {
        let start = proof.len() - rest.len();
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: start + inner + border,
        });
    }
    let (inner_proof, border_proof) = rest.split_at(inner);
    let mask = (size1 - 1) >> shift;
    let hash1 = chain_border_right(chain_inner_right(seed, inner_proof, mask), border_proof);
    if &hash1 != root1 {
        return Err(ProofError::RootMismatch);
    }
    let hash2 = chain_border_right(chain_inner(seed, inner_proof, mask), border_proof);
    if &hash2 != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// How many proof hashes are below the border of the tree, and how many on it.
fn decompose(index: u64, size: u64) -> (usize, usize) {
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = index.checked_shr(inner as u32).unwrap_or(0).count_ones() as usize;
    (inner, border)
}

fn chain_inner(mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        seed = if (index >> i) & 1 == 0 {
            node_hash(&seed, h)
        } else {
            node_hash(h, &seed)
        };
    }
    seed
}

fn chain_inner_right(mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        if (index >> i) & 1 == 1 {
            seed = node_hash(h, &seed);
        }
    }
    seed
}

fn chain_border_right(mut seed: Hash, proof: &[Hash]) -> Hash {
    for h in proof {
        seed = node_hash(h, &seed);
    }
    seed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn every_generated_consistency_proof_verifies_and_no_other_tree_does() {
        for n in 1..=33usize {
            let all = leaves(n);
            let r2 = root(&all);
            for m in 0..=n {
                let r1 = root(&all[..m]);
                let proof = consistency_proof(&all, m).unwrap();
                assert_eq!(
                    verify_consistency(m as u64, n as u64, &proof, &r1, &r2),
                    Ok(()),
                    "m={m} n={n}"
                );
                if m > 0 && m < n {
                    // A first tree whose last leaf was rewritten is not a prefix.
                    let mut other = all[..m].to_vec();
                    if let Some(last) = other.last_mut() {
                        *last = leaf_hash(b"rewritten");
                    }
                    assert!(
                        verify_consistency(m as u64, n as u64, &proof, &root(&other), &r2).is_err(),
                        "m={m} n={n}"
                    );
                }
            }
            assert_eq!(consistency_proof(&all, n + 1), None);
        }
    }

    #[test]
    fn the_empty_root_is_the_hash_of_nothing() {
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn every_generated_inclusion_proof_verifies_and_no_other_leaf_does() {
        for n in 1..=40usize {
            let leaves = leaves(n);
            let r = root(&leaves);
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = inclusion_proof(&leaves, i).unwrap();
                assert_eq!(
                    verify_inclusion(i as u64, n as u64, leaf, &proof, &r),
                    Ok(()),
                    "n={n} i={i}"
                );
                let other = leaf_hash(b"not in the tree");
                assert_eq!(
                    verify_inclusion(i as u64, n as u64, &other, &proof, &r),
                    Err(ProofError::RootMismatch)
                );
                if n > 1 {
                    assert!(
                        verify_inclusion(((i + 1) % n) as u64, n as u64, leaf, &proof, &r).is_err(),
                        "n={n} i={i}"
                    );
                }
            }
            assert_eq!(inclusion_proof(&leaves, n), None);
            let all: Vec<usize> = (0..n).rev().chain([0, n / 2]).collect();
            let proofs = inclusion_proofs(&leaves, &all).unwrap();
            for (i, proof) in all.iter().zip(&proofs) {
                assert_eq!(
                    Some(proof.clone()),
                    inclusion_proof(&leaves, *i),
                    "n={n} i={i}"
                );
            }
            assert_eq!(inclusion_proofs(&leaves, &[0, n]), None);
        }
    }

    #[test]
    fn equal_sizes_need_equal_roots_and_no_proof() {
        let (a, b) = (root(&leaves(1)), root(&leaves(2)));
        assert_eq!(verify_consistency(1, 1, &[], &a, &a), Ok(()));
        assert_eq!(
            verify_consistency(1, 1, &[], &a, &b),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(verify_consistency(0, 0, &[], &a, &a), Ok(()));
        assert_eq!(
            verify_consistency(1, 1, &[a], &a, &a),
            Err(ProofError::WrongLength { got: 1, want: 0 })
        );
        assert_eq!(
            verify_consistency(2, 1, &[], &a, &a),
            Err(ProofError::SizesOutOfOrder {
                first: 2,
                second: 1
            })
        );
    }

    #[test]
    fn a_truncated_tree_is_not_the_same_tree() {
        let all = leaves(9);
        assert_ne!(root(&all), root(&all[..8]));
    }
}
