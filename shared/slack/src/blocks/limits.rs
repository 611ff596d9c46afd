//! Slack's Block Kit limits, checked on every rendered message in tests: 50 blocks,
//! 3000 characters per section text (and per field), 150-character button values,
//! 75-character button texts, unique block and action ids.

use std::collections::HashSet;

use serde_json::Value;

use super::SlackMessage;

/// Most blocks in a message.
pub const MAX_BLOCKS: usize = 50;
/// Most characters in a section's text or a field.
pub const MAX_SECTION_TEXT: usize = 3000;
/// Most characters in a button's value.
pub const MAX_BUTTON_VALUE: usize = 150;
/// Most characters in a button's text.
pub const MAX_BUTTON_TEXT: usize = 75;
/// Most characters in an id (block_id, action_id).
pub const MAX_ID: usize = 255;

/// A limit a message breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Too many blocks.
    #[error("message has {0} blocks; Slack allows {MAX_BLOCKS}")]
    TooManyBlocks(usize),
    /// A section text or field is too long.
    #[error("block {block} has a text of {len} characters; Slack allows {MAX_SECTION_TEXT}")]
    SectionText {
        /// The block's id.
        block: String,
        /// Its length.
        len: usize,
    },
    /// A button value is too long.
    #[error("button {action} has a value of {len} characters; Slack allows {MAX_BUTTON_VALUE}")]
    ButtonValue {
        /// The button's action id.
        action: String,
        /// Its length.
        len: usize,
    },
    /// A button text is too long.
    #[error("button {action} has a text of {len} characters; Slack allows {MAX_BUTTON_TEXT}")]
    ButtonText {
        /// The button's action id.
        action: String,
        /// Its length.
        len: usize,
    },
    /// A block has no id, a bad one, or repeats one.
    #[error("block id {0:?} is missing, too long or used twice")]
    BlockId(String),
    /// An action has no id, a bad one, or repeats one.
    #[error("action id {0:?} is missing, too long or used twice")]
    ActionId(String),
    /// A block has no type or the message is not Block Kit.
    #[error("block {0} has no type")]
    NoType(usize),
}

/// Checks `message` against Slack's limits.
///
/// # Errors
/// The first [`LimitError`] found.
pub fn check_limits(message: &SlackMessage) -> Result<(), LimitError> {
    check_blocks(&message.blocks)
}

/// Checks a list of blocks (a message's or a modal's).
///
/// # Errors
/// The first [`LimitError`] found.
pub fn check_blocks(blocks: &[Value]) -> Result<(), LimitError> {
    if blocks.len() > MAX_BLOCKS {
        return Err(LimitError::TooManyBlocks(blocks.len()));
    }
    let mut block_ids = HashSet::new();
    let mut action_ids = HashSet::new();
    for (i, b) in blocks.iter().enumerate() {
        let ty = b["type"].as_str().ok_or(LimitError::NoType(i))?;
        let id = b["block_id"].as_str().unwrap_or("").to_string();
        if id.is_empty() || id.chars().count() > MAX_ID || !block_ids.insert(id.clone()) {
            return Err(LimitError::BlockId(id));
        }
        let texts = std::iter::once(&b["text"]["text"]).chain(
            b["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| &f["text"]),
        );
        for t in texts.filter_map(Value::as_str) {
            let len = t.chars().count();
            if ty == "section" && len > MAX_SECTION_TEXT {
                return Err(LimitError::SectionText { block: id, len });
            }
        }
        let elements = b["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(std::iter::once(&b["accessory"]).filter(|a| a.is_object()))
            .chain(std::iter::once(&b["element"]).filter(|a| a.is_object()));
        for e in elements {
            if e["type"] == "mrkdwn" || e["type"] == "plain_text" || e["type"] == "image" {
                continue;
            }
            let action = e["action_id"].as_str().unwrap_or("").to_string();
            if action.is_empty()
                || action.chars().count() > MAX_ID
                || !action_ids.insert(action.clone())
            {
                return Err(LimitError::ActionId(action));
            }
            if e["type"] == "button" {
                let len = e["value"].as_str().map_or(0, |v| v.chars().count());
                if len > MAX_BUTTON_VALUE {
                    return Err(LimitError::ButtonValue { action, len });
                }
                let len = e["text"]["text"].as_str().map_or(0, |v| v.chars().count());
                if len > MAX_BUTTON_TEXT {
                    return Err(LimitError::ButtonText { action, len });
                }
            }
        }
    }
    Ok(())
}
