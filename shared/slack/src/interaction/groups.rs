//! User-group membership for authorization, from `usergroups.users.list`, cached
//! briefly (default 60 s) so a burst of clicks costs one lookup per group.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::client::{ClientError, SlackClient};

/// When a group's members were read, and who they are.
type Entry = (Instant, Arc<Vec<String>>);

/// Members of user groups, cached.
pub struct GroupCache {
    client: Arc<SlackClient>,
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for GroupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCache")
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl GroupCache {
    /// A cache over `client` keeping answers for `ttl`.
    pub fn new(client: Arc<SlackClient>, ttl: Duration) -> Self {
        Self {
            client,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The members of `group` (from the cache when fresh).
    ///
    /// # Errors
    /// The Slack call's [`ClientError`] when the group must be fetched.
    pub async fn members(&self, group: &str) -> Result<Arc<Vec<String>>, ClientError> {
        if let Some((at, users)) = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(group)
        {
            if at.elapsed() < self.ttl {
                return Ok(users.clone());
            }
        }
        let users = Arc::new(self.client.usergroup_members(group).await?);
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(group.to_string(), (Instant::now(), users.clone()));
        Ok(users)
    }
}
