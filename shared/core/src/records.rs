//! Executions in a [`StateStore`]: create once, apply events with compare-and-swap,
//! find an app's open executions. Every handler runs the same loop (load, step,
//! write if unchanged meanwhile, else re-read and step again), so it lives here,
//! written against the port only.

use crate::execution::{step, Command, Event, Execution, Ignored, Step};
use crate::ids::ExecutionId;
use crate::ports::{keys, ObjectVersion, StateStore, StoreError};

/// How many times [`apply`] re-reads after losing a compare-and-swap race.
pub const MAX_ATTEMPTS: usize = 8;

/// An execution and the version it was read at.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// The execution.
    pub execution: Execution,
    /// Its stored version.
    pub version: ObjectVersion,
}

/// What applying an event did.
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    /// The event applied and the new execution is stored: send `commands`.
    Changed {
        /// The stored execution.
        execution: Execution,
        /// Commands to send.
        commands: Vec<Command>,
    },
    /// Nothing changed. `resend` holds the outbox when the event is the last one
    /// applied (the write succeeded before, the sends may not have): send it again.
    Unchanged {
        /// The execution as stored.
        execution: Execution,
        /// Why nothing changed (`retry_later()` says whether to redeliver).
        reason: Ignored,
        /// Commands to send again.
        resend: Vec<Command>,
    },
}

/// Why an execution could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// No execution with that id.
    #[error("execution {id} does not exist")]
    NotFound {
        /// The id.
        id: ExecutionId,
    },
    /// The stored record is not an execution this build can read.
    #[error("{key} is not a valid execution record: {source}")]
    Corrupt {
        /// The key.
        key: String,
        /// What is wrong.
        #[source]
        source: serde_json::Error,
    },
    /// Others kept changing the execution.
    #[error("execution {id} changed under us {attempts} times in a row; retry the message later")]
    Contended {
        /// The id.
        id: ExecutionId,
        /// Attempts made.
        attempts: usize,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RecordError {
    /// Whether retrying the message later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            RecordError::Contended { .. } => true,
            RecordError::Store(StoreError::Port(p)) => p.is_transient(),
            RecordError::Store(_) => true,
            RecordError::NotFound { .. } | RecordError::Corrupt { .. } => false,
        }
    }
}

fn encode(exec: &Execution) -> Vec<u8> {
    // Plain data: serialization cannot fail.
    serde_json::to_vec_pretty(exec).unwrap_or_default()
}

/// Reads execution `id`.
///
/// # Errors
/// [`RecordError::Corrupt`] for an unreadable record, [`RecordError::Store`].
pub async fn load(store: &dyn StateStore, id: &ExecutionId) -> Result<Option<Stored>, RecordError> {
    let key = keys::execution(id);
    let Some(found) = store.get(&key).await? else {
        return Ok(None);
    };
    let execution = serde_json::from_slice(&found.bytes)
        .map_err(|source| RecordError::Corrupt { key, source })?;
    Ok(Some(Stored {
        execution,
        version: found.version,
    }))
}

/// Stores a newly opened execution and marks it open for its app. Returns false
/// when it already existed (a replayed upload): then send nothing.
///
/// # Errors
/// [`RecordError::Store`].
pub async fn create(store: &dyn StateStore, exec: &Execution) -> Result<bool, RecordError> {
    let created = match store.create(&keys::execution(&exec.id), encode(exec)).await {
        Ok(_) => true,
        Err(StoreError::AlreadyExists { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    match store
        .create(
            &keys::open_execution(&exec.app, &exec.id),
            exec.id.as_str().as_bytes().to_vec(),
        )
        .await
    {
        Ok(_) | Err(StoreError::AlreadyExists { .. }) => Ok(created),
        Err(e) => Err(e.into()),
    }
}

/// Applies `event` to execution `id` with compare-and-swap, re-reading and
/// stepping again when someone else wrote first.
///
/// # Errors
/// [`RecordError::NotFound`], [`RecordError::Contended`] after [`MAX_ATTEMPTS`]
/// lost races, [`RecordError::Corrupt`], [`RecordError::Store`].
pub async fn apply(
    store: &dyn StateStore,
    id: &ExecutionId,
    event: &Event,
) -> Result<Applied, RecordError> {
    let key = keys::execution(id);
    for _ in 0..MAX_ATTEMPTS {
        let Some(stored) = load(store, id).await? else {
            return Err(RecordError::NotFound { id: id.clone() });
        };
        match step(&stored.execution, event) {
            Step::Applied { next, commands } => {
                match store.replace(&key, encode(&next), &stored.version).await {
                    Ok(_) => {
                        return Ok(Applied::Changed {
                            execution: *next,
                            commands,
                        })
                    }
                    Err(StoreError::VersionMismatch { .. }) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            Step::Unchanged(reason) => {
                let resend = if matches!(reason, Ignored::Duplicate { .. })
                    && stored.execution.is_last_applied(event)
                {
                    stored.execution.outbox.clone()
                } else {
                    Vec::new()
                };
                return Ok(Applied::Unchanged {
                    execution: stored.execution,
                    reason,
                    resend,
                });
            }
        }
    }
    Err(RecordError::Contended {
        id: id.clone(),
        attempts: MAX_ATTEMPTS,
    })
}

/// The executions of `app` that are not finished (candidates a newer one may
/// supersede), oldest first by id order of their markers.
///
/// # Errors
/// [`RecordError::Store`], [`RecordError::Corrupt`].
pub async fn open_executions(
    store: &dyn StateStore,
    app: &str,
) -> Result<Vec<ExecutionId>, RecordError> {
    let prefix = keys::open_executions_prefix(app);
    let mut out = Vec::new();
    for key in store.list(&prefix).await? {
        let id = ExecutionId::from_string(key.trim_start_matches(&prefix));
        if let Some(stored) = load(store, &id).await? {
            if !stored.execution.status.is_final() {
                out.push(id);
            }
        }
    }
    Ok(out)
}
