//! A write as a unit of work: its transaction, plus the owners whose feed
//! it moved; and the wake-ups that follow a commit.
//!
//! Every write that changes a task runs in a [`UnitOfWork`]: it records
//! each change's event with [`UnitOfWork::record`] in the same transaction
//! (no event without its change, no change without its event), and
//! [`UnitOfWork::commit`] commits, then wakes the streams of the owners it
//! touched, once. A unit of work that other work runs inside (an
//! idempotent create stores its answer in the same transaction) is one
//! unit: the inner work records into it, so nothing wakes before the
//! outermost commit, and nothing wakes for a write that rolled back.
//!
//! [`Wakeups`] is the app's one fan-out of those wake-ups, made at start
//! and kept in Loco's shared store; the transports pass it in. On
//! PostgreSQL the serving process also announces its commits to every
//! other instance (`NOTIFY`, sent after the commit, batched, from
//! [`Wakeups::subscribe`]; see `crate::background`), and turns what it
//! hears from them into the same wake-ups ([`Wakeups::heard`]).

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use tokio::sync::broadcast;

use super::{
    _entities::tasks,
    errors::DomainResult,
    events::{self, EventKind},
    list_rows::ListWithCounts,
};

/// What wakes the streams of this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// This process committed events of the owner (announced to other
    /// instances).
    Committed(Arc<str>),
    /// Another instance committed events of the owner (not announced
    /// again).
    Heard(Arc<str>),
    /// Anything may have been missed: every stream reads the outbox again.
    All,
}

impl Signal {
    /// Whether a stream of `owner_id` must read the outbox again.
    #[must_use]
    pub fn concerns(&self, owner_id: &str) -> bool {
        match self {
            Self::Committed(owner) | Self::Heard(owner) => **owner == *owner_id,
            Self::All => true,
        }
    }
}

/// The fan-out of wake-ups to this process's streams (and its announcer).
/// Cloning shares it.
#[derive(Debug, Clone)]
pub struct Wakeups {
    hub: broadcast::Sender<Signal>,
}

/// Wake-ups a receiver may fall behind by before it is told it lagged
/// (and reads everything again).
const BACKLOG: usize = 4096;

impl Wakeups {
    #[must_use]
    pub fn new() -> Self {
        Self {
            hub: broadcast::channel(BACKLOG).0,
        }
    }

    /// Wake-ups from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.hub.subscribe()
    }

    /// A commit heard from another instance (an empty owner: read
    /// everything again).
    pub fn heard(&self, owner_id: &str) {
        let signal = if owner_id.is_empty() {
            Signal::All
        } else {
            Signal::Heard(Arc::from(owner_id))
        };
        self.send(signal);
    }

    /// Every stream reads the outbox again.
    pub fn catch_up_all(&self) {
        self.send(Signal::All);
    }

    fn send(&self, signal: Signal) {
        // No receiver (no stream open, no announcer) is not a failure.
        let _ = self.hub.send(signal);
    }
}

impl Default for Wakeups {
    fn default() -> Self {
        Self::new()
    }
}

/// What a unit of work begins on: the pool (or a transaction, whose unit
/// is then a savepoint).
pub trait Begin: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction> {}

impl<C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>> Begin for C {}

/// One write: its transaction, and the owners whose feed it moved.
pub struct UnitOfWork {
    txn: DatabaseTransaction,
    touched: Vec<Arc<str>>,
}

impl UnitOfWork {
    /// Begins the write's transaction (a savepoint, when `db` is a
    /// transaction already).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn begin(db: &impl Begin) -> DomainResult<Self> {
        Ok(Self {
            txn: db.begin().await?,
            touched: Vec::new(),
        })
    }

    /// The transaction, for the write's statements.
    #[must_use]
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Appends the event of a change to the owner's feed, in this
    /// transaction; returns its id. `task` is the task after the change
    /// (`None` for a deletion).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn record(
        &mut self,
        owner_id: &str,
        kind: EventKind,
        task_id: i64,
        task: Option<&tasks::Model>,
    ) -> DomainResult<i64> {
        let id = events::append(&self.txn, owner_id, kind, task_id, task).await?;
        self.touch(owner_id);
        Ok(id)
    }

    /// Appends a `list.*` event for the owner's list (`None` when it was
    /// deleted), like [`Self::record`].
    ///
    /// # Errors
    /// On a database failure.
    pub async fn record_list(
        &mut self,
        owner_id: &str,
        kind: EventKind,
        list_id: i64,
        list: Option<&ListWithCounts>,
    ) -> DomainResult<i64> {
        let id = events::append(&self.txn, owner_id, kind, list_id, list).await?;
        self.touch(owner_id);
        Ok(id)
    }

    fn touch(&mut self, owner_id: &str) {
        if !self.touched.iter().any(|owner| **owner == *owner_id) {
            self.touched.push(Arc::from(owner_id));
        }
    }

    /// Commits, then wakes the streams of every owner the write touched.
    ///
    /// # Errors
    /// On a database failure (nothing is committed, nobody is woken).
    pub async fn commit(self, wakeups: &Wakeups) -> DomainResult<()> {
        self.txn.commit().await?;
        for owner in self.touched {
            wakeups.send(Signal::Committed(owner));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_concerns_its_owner_or_everyone() {
        assert!(Signal::Committed(Arc::from("a")).concerns("a"));
        assert!(Signal::Heard(Arc::from("a")).concerns("a"));
        assert!(!Signal::Heard(Arc::from("a")).concerns("b"));
        assert!(Signal::All.concerns("b"));
    }

    #[tokio::test]
    async fn heard_commits_wake_as_heard_and_an_empty_owner_wakes_everyone() {
        let wakeups = Wakeups::new();
        let mut wake = wakeups.subscribe();
        wakeups.heard("someone");
        wakeups.heard("");
        assert_eq!(
            wake.recv().await.ok(),
            Some(Signal::Heard(Arc::from("someone")))
        );
        assert_eq!(wake.recv().await.ok(), Some(Signal::All));
    }
}
