//! What the sandbox remembers between calls, per client: the faults still waiting for calls to
//! catch, and the access tokens expired on demand. In memory: a sandbox is one process.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::fault::{Fault, PendingFault};
use crate::domain::credentials::SecretHash;

/// The most faults one client may have waiting.
pub const MAX_PENDING_PER_CLIENT: usize = 100;

#[derive(Default)]
pub struct FaultBook {
    pending: Mutex<HashMap<String, Vec<PendingFault>>>,
    expired_tokens: Mutex<HashSet<[u8; 32]>>,
}

impl FaultBook {
    /// Adds a fault for `client_id`'s calls; `false` when it already has the most it may.
    pub fn add(&self, client_id: &str, fault: PendingFault) -> bool {
        let mut pending = self.pending.lock().expect("the fault book is never poisoned");
        let faults = pending.entry(client_id.to_owned()).or_default();
        if faults.len() >= MAX_PENDING_PER_CLIENT {
            return false;
        }
        faults.push(fault);
        true
    }

    /// The fault that catches this call of `client_id`'s, if one does: the oldest that matches,
    /// one of its calls spent (and gone once none is left).
    pub fn take(&self, client_id: &str, method: &str, path: &str, route: Option<&str>) -> Option<Fault> {
        let mut pending = self.pending.lock().expect("the fault book is never poisoned");
        let faults = pending.get_mut(client_id)?;
        let index = faults.iter().position(|fault| fault.catches(method, path, route))?;
        let fault = faults[index].fault;
        faults[index].remaining -= 1;
        if faults[index].remaining == 0 {
            faults.remove(index);
        }
        Some(fault)
    }

    /// The client's waiting faults, oldest first.
    pub fn list(&self, client_id: &str) -> Vec<PendingFault> {
        self.pending.lock().expect("the fault book is never poisoned").get(client_id).cloned().unwrap_or_default()
    }

    /// Forgets the client's waiting faults; how many there were.
    pub fn clear(&self, client_id: &str) -> usize {
        self.pending.lock().expect("the fault book is never poisoned").remove(client_id).map_or(0, |faults| faults.len())
    }

    /// From now on, the access token with this hash answers as expired.
    pub fn expire_token(&self, hash: SecretHash) {
        self.expired_tokens.lock().expect("the fault book is never poisoned").insert(hash.0);
    }

    pub fn token_expired(&self, hash: SecretHash) -> bool {
        self.expired_tokens.lock().expect("the fault book is never poisoned").contains(&hash.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(path: Option<&str>, fault: Fault, remaining: u32) -> PendingFault {
        PendingFault { method: None, path: path.map(str::to_owned), fault, remaining }
    }

    #[test]
    fn counts_are_spent_exactly_oldest_first_and_per_client() {
        let book = FaultBook::default();
        assert!(book.add("a", fault(Some("/x"), Fault::Internal, 2)));
        assert!(book.add("a", fault(None, Fault::Reset, 1)));
        assert_eq!(book.take("b", "GET", "/x", None), None, "another client's faults are not its");
        assert_eq!(book.take("a", "GET", "/y", None), Some(Fault::Reset), "the first that matches");
        assert_eq!(book.take("a", "GET", "/y", None), None, "spent");
        assert_eq!(book.take("a", "GET", "/x", None), Some(Fault::Internal));
        assert_eq!(book.list("a")[0].remaining, 1);
        assert_eq!(book.take("a", "GET", "/x", None), Some(Fault::Internal));
        assert_eq!(book.take("a", "GET", "/x", None), None);
        assert!(book.list("a").is_empty());
    }

    #[test]
    fn a_client_holds_a_bounded_number_and_clear_forgets_them() {
        let book = FaultBook::default();
        for _ in 0..MAX_PENDING_PER_CLIENT {
            assert!(book.add("a", fault(None, Fault::Internal, 1)));
        }
        assert!(!book.add("a", fault(None, Fault::Internal, 1)));
        assert!(book.add("b", fault(None, Fault::Internal, 1)));
        assert_eq!(book.clear("a"), MAX_PENDING_PER_CLIENT);
        assert_eq!(book.list("b").len(), 1);
    }
}
