//! The core's `Approvals` and `Notifier` ports over Slack.
//!
//! `SlackApprovals` posts the request (handle `channel:ts`), keeps what it posted in
//! the state store so updates re-render the same facts, updates in place with
//! `chat.update`, resolves group membership and answers people ephemerally.
//! `SlackNotifier` keeps one thread per execution: the first notice starts it in the
//! app's channel, later ones reply in it, failures are also broadcast to the channel.

use std::sync::Arc;
use std::time::Duration;

use lockgate_core::config::ChannelTarget;
use lockgate_core::execution::{ApprovalRequest, ApprovalState, Notice, Severity};
use lockgate_core::ports::{
    async_trait, ApprovalHandle, Approvals, Clock, Notifier, PortError, StateStore, StoreError,
};

use crate::blocks;
use crate::client::SlackClient;

/// Where the request behind a handle is kept.
pub fn request_key(handle: &ApprovalHandle) -> String {
    format!("slack/requests/{}", handle.0.replace(':', "/"))
}

/// Where the thread of an execution is kept (`channel:ts`).
pub fn thread_key(execution_id: &str) -> String {
    format!("slack/threads/{execution_id}")
}

fn store_err(op: &str, e: StoreError) -> PortError {
    match e {
        StoreError::Port(p) => p,
        other => PortError::transient(op.to_string(), other),
    }
}

fn split_handle(handle: &ApprovalHandle) -> Result<(&str, &str), PortError> {
    handle.0.split_once(':').ok_or_else(|| {
        PortError::permanent(
            "slack approval handle",
            format!("handle {:?} is not <channel>:<ts>", handle.0),
        )
    })
}

fn slack_channel(target: &ChannelTarget) -> Option<&str> {
    match target {
        ChannelTarget::Slack { channel } => Some(channel),
        ChannelTarget::Log => None,
    }
}

/// Approvals in Slack.
pub struct SlackApprovals {
    client: Arc<SlackClient>,
    store: Arc<dyn StateStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SlackApprovals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackApprovals").finish_non_exhaustive()
    }
}

impl SlackApprovals {
    /// Approvals through `client`, remembering requests in `store`, dating updates
    /// with `clock`.
    pub fn new(
        client: Arc<SlackClient>,
        store: Arc<dyn StateStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            store,
            clock,
        }
    }
}

#[async_trait]
impl Approvals for SlackApprovals {
    async fn request(&self, request: &ApprovalRequest) -> Result<ApprovalHandle, PortError> {
        let op = format!(
            "slack request approval {} {}",
            request.execution_id, request.env
        );
        let channel = request
            .channel
            .as_ref()
            .and_then(|c| slack_channel(&c.target))
            .ok_or_else(|| {
                PortError::permanent(
                    op.clone(),
                    format!(
                        "the gate of {} in app {} has no Slack channel: set the gate's channel (or the app's first notification channel) to a Slack channel",
                        request.env, request.app
                    ),
                )
            })?;
        let message = blocks::approval_request(request);
        let ts = self
            .client
            .post_message(channel, &message, None, false)
            .await
            .map_err(|e| e.into_port(op.clone()))?;
        let handle = ApprovalHandle(format!("{channel}:{ts}"));
        let bytes = serde_json::to_vec(request).unwrap_or_default();
        match self.store.create(&request_key(&handle), bytes).await {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => return Err(store_err(&op, e)),
        }
        tracing::info!(execution_id = %request.execution_id, env = %request.env, channel, "approval requested in slack");
        Ok(handle)
    }

    async fn update(
        &self,
        handle: &ApprovalHandle,
        state: &ApprovalState,
    ) -> Result<(), PortError> {
        let (channel, ts) = split_handle(handle)?;
        let op = format!("slack update approval {channel}:{ts}");
        let request: Option<ApprovalRequest> = self
            .store
            .get(&request_key(handle))
            .await
            .map_err(|e| store_err(&op, e))?
            .and_then(|v| serde_json::from_slice(&v.bytes).ok());
        let message = blocks::approval_update(request.as_ref(), state, self.clock.now());
        self.client
            .update(channel, ts, &message)
            .await
            .map_err(|e| e.into_port(op))
    }

    async fn groups_of(&self, user: &str) -> Result<Vec<String>, PortError> {
        self.client
            .groups_of(user)
            .await
            .map_err(|e| e.into_port(format!("slack groups of {user}")))
    }

    async fn answer(
        &self,
        user: &str,
        handle: Option<&ApprovalHandle>,
        text: &str,
    ) -> Result<(), PortError> {
        let op = format!("slack answer {user}");
        match handle.map(split_handle).transpose()? {
            Some((channel, _)) => self.client.post_ephemeral(channel, user, text).await,
            // no request message to answer under: a direct message
            None => self
                .client
                .post_message(
                    user,
                    &blocks::SlackMessage {
                        text: text.to_string(),
                        blocks: Vec::new(),
                    },
                    None,
                    false,
                )
                .await
                .map(|_| ()),
        }
        .map_err(|e| e.into_port(op))
    }
}

/// Notifications in Slack, one thread per execution.
pub struct SlackNotifier {
    client: Arc<SlackClient>,
    store: Arc<dyn StateStore>,
}

impl std::fmt::Debug for SlackNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackNotifier").finish_non_exhaustive()
    }
}

/// What a thread key holds while its first message is being posted.
const CLAIMED: &[u8] = b"claimed";

impl SlackNotifier {
    /// Notifications through `client`, with threads kept in `store`.
    pub fn new(client: Arc<SlackClient>, store: Arc<dyn StateStore>) -> Self {
        Self { client, store }
    }

    /// Posts in the execution's thread, starting it when this is the first notice.
    /// The thread key is claimed with create-if-absent, so two racing notices make
    /// one thread: the loser waits briefly for the winner's `ts`.
    async fn post_threaded(
        &self,
        execution_id: &str,
        channel: &str,
        message: &blocks::SlackMessage,
        broadcast: bool,
        op: &str,
    ) -> Result<(), PortError> {
        let key = thread_key(execution_id);
        for _ in 0..50 {
            let claim = match self.store.get(&key).await.map_err(|e| store_err(op, e))? {
                Some(v) if v.bytes == CLAIMED => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Some(v) if !v.bytes.is_empty() => {
                    let text = String::from_utf8_lossy(&v.bytes).into_owned();
                    let (c, ts) = text.split_once(':').unwrap_or((channel, &text));
                    return self
                        .client
                        .post_message(c, message, Some(ts), broadcast)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.into_port(op.to_string()));
                }
                // released by a notice whose first post failed
                Some(v) => self.store.replace(&key, CLAIMED.to_vec(), &v.version).await,
                None => self.store.create(&key, CLAIMED.to_vec()).await,
            };
            let version = match claim {
                Ok(version) => version,
                Err(StoreError::AlreadyExists { .. } | StoreError::VersionMismatch { .. }) => {
                    continue
                }
                Err(e) => return Err(store_err(op, e)),
            };
            let ts = match self
                .client
                .post_message(channel, message, None, false)
                .await
            {
                Ok(ts) => ts,
                Err(e) => {
                    // release the claim: the next notice starts the thread
                    let _ = self.store.replace(&key, Vec::new(), &version).await;
                    return Err(e.into_port(op.to_string()));
                }
            };
            self.store
                .replace(&key, format!("{channel}:{ts}").into_bytes(), &version)
                .await
                .map_err(|e| store_err(op, e))?;
            return Ok(());
        }
        // the thread never got its first message: post on its own
        self.client
            .post_message(channel, message, None, false)
            .await
            .map(|_| ())
            .map_err(|e| e.into_port(op.to_string()))
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        let message = blocks::notice(notice);
        let failure = notice.severity == Severity::Error;
        let mut first_error = None;
        for (i, target) in notice.channels.iter().enumerate() {
            let Some(channel) = slack_channel(&target.target) else {
                continue;
            };
            let op = format!("slack notify {} in {channel}", notice.app);
            let result = match (&notice.execution_id, i) {
                (Some(id), 0) => {
                    self.post_threaded(id.as_str(), channel, &message, failure, &op)
                        .await
                }
                _ => self
                    .client
                    .post_message(channel, &message, None, false)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_port(op)),
            };
            if let Err(e) = result {
                tracing::warn!(app = %notice.app, channel, error = %e, "slack notification failed");
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
