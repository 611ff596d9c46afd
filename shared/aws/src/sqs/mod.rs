//! [`SqsCommandQueue`]: the command queue on SQS. Each route has a queue; FIFO queues
//! (`.fifo` URLs) get the message group and deduplication id of the [`Outgoing`].
//! SQS FIFO queues cannot delay single messages, so a delayed message for a FIFO
//! route goes to the standard timer queue with `DelaySeconds`, carrying its route,
//! group and deduplication id as message attributes; the timer queue's consumer
//! forwards it when due ([`SqsCommandQueue::forward`]). Delays beyond SQS's 15 minutes
//! are capped: the handler re-delays a message that arrives early.

mod plan;

use std::collections::HashMap;

use aws_sdk_sqs::types::MessageAttributeValue;
use aws_sdk_sqs::Client;
use lockgate_core::envelope::Outgoing;
use lockgate_core::ports::{async_trait, CommandQueue, PortError};

use crate::error::port_error;

pub use plan::{
    forward_plan, is_fifo, plan, route_from_name, route_name, ForwardError, PlanError, QueueUrls,
    SendPlan, ATTR_DEDUP_ID, ATTR_GROUP_ID, ATTR_ROUTE, SQS_MAX_DELAY,
};

/// The command queue on SQS.
#[derive(Clone, Debug)]
pub struct SqsCommandQueue {
    client: Client,
    urls: QueueUrls,
}

impl SqsCommandQueue {
    /// Sends to the queues in `urls`.
    pub fn new(client: Client, urls: QueueUrls) -> Self {
        Self { client, urls }
    }

    /// The queues.
    pub fn urls(&self) -> &QueueUrls {
        &self.urls
    }

    /// Forwards a due message read from the timer queue (SQS id `message_id`, body
    /// `body`, string attributes through `attribute`) to the queue of its route.
    ///
    /// # Errors
    /// A permanent [`PortError`] when the message lacks lockgate's attributes (see
    /// [`forward_plan`]); otherwise as [`CommandQueue::send`].
    pub async fn forward(
        &self,
        message_id: &str,
        body: &str,
        attribute: impl Fn(&str) -> Option<String>,
    ) -> Result<(), PortError> {
        let op = format!("sqs forward timer message {message_id}");
        let plan = forward_plan(&self.urls, message_id, attribute)
            .map_err(|e| PortError::permanent(&op, e))?;
        self.send_planned(&op, body.to_string(), plan).await
    }

    async fn send_planned(&self, op: &str, body: String, plan: SendPlan) -> Result<(), PortError> {
        let mut attributes = HashMap::new();
        for (name, value) in plan.attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| PortError::permanent(op, e))?;
            attributes.insert(name.to_string(), value);
        }
        self.client
            .send_message()
            .queue_url(&plan.queue_url)
            .message_body(body)
            .set_delay_seconds(plan.delay_seconds)
            .set_message_group_id(plan.group_id)
            .set_message_deduplication_id(plan.dedup_id)
            .set_message_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| port_error(format!("{op} to {}", plan.queue_url), e))?;
        tracing::debug!(queue = %plan.queue_url, op, "message sent");
        Ok(())
    }
}

#[async_trait]
impl CommandQueue for SqsCommandQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        let op = format!(
            "sqs send {} of {} ({})",
            message.envelope.kind,
            message.envelope.execution_id,
            route_name(message.route)
        );
        let plan = plan(&self.urls, message).map_err(|e| PortError::permanent(&op, e))?;
        self.send_planned(&op, message.envelope.to_json(), plan)
            .await
    }
}
