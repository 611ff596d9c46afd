//! [`Stack`]: moto, two simulated clusters and the four queue/event functions, wired as
//! `infra/template.yaml` wires them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use lockgate_aws::{S3Location, S3StateStore};
use lockgate_core::execution::Execution;
use lockgate_core::ports::StateStore;
use lockgate_simcluster::{SimCluster, SimConfig};
use lockgate_test_harness::moto::{Moto, ACCOUNT, REGION};
use lockgate_test_harness::sqs::{settle_batch, sqs_event, SqsMessage};
use lockgate_test_harness::Emulator;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// The app of the test configuration.
pub const APP: &str = "hello";
/// Its ECR repository name.
pub const REPOSITORY: &str = "hello";
/// The production gate's approver.
pub const APPROVER: &str = "U0APPROVER1";

const STATE_BUCKET: &str = "lockgate-state";
const CHART_BUCKET: &str = "lockgate-charts";
/// The function binaries, by name.
pub const FUNCTIONS: [&str; 5] = [
    "image-pushed",
    "chart-uploaded",
    "deployer",
    "approvals",
    "slack-interactions",
];
/// The app's Slack channel.
pub const CHANNEL: &str = "C0DEPLOYS1";
const SIGNING_SECRET: &str = "e2e-signing-secret-8f742231b10e8888";

/// How the harness delivers messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Each message once (unless a function asks for a retry).
    Once,
    /// Each message and each EventBridge event twice, as at-least-once delivery may.
    Twice,
}

/// What differs between scenarios.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Image globs whose containers crash in staging.
    pub staging_crash_images: Vec<String>,
    /// How messages are delivered.
    pub delivery: Delivery,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            staging_crash_images: Vec::new(),
            delivery: Delivery::Once,
        }
    }
}

struct Queue {
    url: String,
    arn: String,
    function: &'static str,
    batch: i32,
}

/// The running stack. Dropping it stops every process.
pub struct Stack {
    /// moto.
    pub moto: Moto,
    sdk: SdkConfig,
    /// S3 client (path style).
    pub s3: aws_sdk_s3::Client,
    /// SQS client.
    pub sqs: aws_sdk_sqs::Client,
    /// ECR client.
    pub ecr: aws_sdk_ecr::Client,
    /// The staging cluster.
    pub staging: SimCluster,
    /// The production cluster.
    pub production: SimCluster,
    /// The Slack stand-in the functions talk to.
    pub slack: lockgate_slack::standin::SlackStandin,
    queues: Vec<Queue>,
    emulators: BTreeMap<&'static str, Emulator>,
    env: Vec<(String, String)>,
    bin_dir: PathBuf,
    delivery: Delivery,
    kill_next: std::sync::Mutex<Option<&'static str>>,
    _dir: tempfile::TempDir,
}

/// The directory the function binaries are built in (the test binary's profile dir).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf();
    for f in FUNCTIONS {
        assert!(
            dir.join(f).exists(),
            "function binary {} is not built: run `cargo build --workspace` (with the same profile) first; `bash scripts/test.sh` does",
            dir.join(f).display()
        );
    }
    dir
}

fn sdk_config(moto: &Moto) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "e2e",
        )))
        .endpoint_url(&moto.endpoint)
        .behavior_version(BehaviorVersion::latest())
        .build()
}

fn cluster(crash_images: Vec<String>) -> SimCluster {
    SimCluster::start_background(
        "127.0.0.1:0".parse().expect("addr"),
        SimConfig {
            tls: true,
            time_scale: 0.02,
            crash_images,
            crash_backoff: Duration::from_secs(1),
            ..SimConfig::default()
        },
    )
    .expect("simulated cluster")
}

fn config_yaml(staging_kubeconfig: &Path) -> String {
    format!(
        r#"version: 1
clusters:
  - name: staging
    kind: kubeconfig
    kubeconfig: {staging}
  - name: production
    kind: kubeconfig
    kubeconfig: secretsmanager:lockgate/production-kubeconfig
notifications:
  - name: deploys
    kind: slack
    channel: {CHANNEL}
apps:
  - name: {APP}
    image:
      repository: {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}
      tag_policy:
        kind: semver
    chart:
      source: charts/hello
      image_values:
        repository: image.repository
        tag: image.tag
        digest: image.digest
    notify: [deploys]
    environments:
      - name: staging
        cluster: staging
        namespace: hello-staging
        values_files: [values.yaml, values.staging.yaml]
        timeout: 30s
        check_interval: 1s
        strategy: rolling
      - name: production
        cluster: production
        namespace: hello-production
        values_files: [values.yaml, values.production.yaml]
        timeout: 30s
        check_interval: 1s
        strategy: rolling
        gate:
          approvers:
            users: [{APPROVER}]
          quorum: 1
          expiry: 72h
          four_eyes: true
"#,
        staging = staging_kubeconfig.display(),
    )
}

/// The demo chart's files (cli/demo/hello), relative to the chart directory.
fn chart_files() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cli/demo/hello");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("demo chart") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(&root)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    out
}

impl Stack {
    /// Starts everything and waits until every function is ready.
    pub async fn start(options: StackOptions) -> Stack {
        let bin_dir = bin_dir();
        let moto = Moto::start();
        let sdk = sdk_config(&moto);
        let s3 = lockgate_aws::s3_client(&sdk, true);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let ecr = aws_sdk_ecr::Client::new(&sdk);
        let dir = tempfile::tempdir().expect("tempdir");

        let staging = cluster(options.staging_crash_images.clone());
        let production = cluster(Vec::new());
        let staging_kc = dir.path().join("staging.kubeconfig");
        let production_kc = dir.path().join("production.kubeconfig");
        staging.write_kubeconfig(&staging_kc).expect("kubeconfig");
        production
            .write_kubeconfig(&production_kc)
            .expect("kubeconfig");

        for b in [STATE_BUCKET, CHART_BUCKET] {
            s3.create_bucket().bucket(b).send().await.expect("bucket");
        }
        let put = |key: String, body: Vec<u8>| {
            let s3 = s3.clone();
            async move {
                s3.put_object()
                    .bucket(STATE_BUCKET)
                    .key(key)
                    .body(ByteStream::from(body))
                    .send()
                    .await
                    .expect("put config object");
            }
        };
        put(
            "config/lockgate.yaml".into(),
            config_yaml(&staging_kc).into_bytes(),
        )
        .await;
        for (rel, bytes) in chart_files() {
            put(format!("config/charts/hello/{rel}"), bytes).await;
        }
        ecr.create_repository()
            .repository_name(REPOSITORY)
            .send()
            .await
            .expect("ecr repository");

        let make = |name: &str, fifo: bool| {
            let sqs = sqs.clone();
            let name = name.to_string();
            async move {
                let mut req = sqs
                    .create_queue()
                    .queue_name(&name)
                    .attributes(QueueAttributeName::VisibilityTimeout, "4");
                if fifo {
                    req = req.attributes(QueueAttributeName::FifoQueue, "true");
                }
                let url = req.send().await.expect("queue").queue_url.expect("url");
                let arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}");
                (url, arn)
            }
        };
        let (uploads, uploads_arn) = make("lockgate-chart-uploads", false).await;
        let (deployer, deployer_arn) = make("lockgate-deployer.fifo", true).await;
        let (approvals, approvals_arn) = make("lockgate-approvals.fifo", true).await;
        let (timers, timers_arn) = make("lockgate-timers", false).await;
        s3.put_bucket_notification_configuration()
            .bucket(CHART_BUCKET)
            .notification_configuration(
                aws_sdk_s3::types::NotificationConfiguration::builder()
                    .queue_configurations(
                        aws_sdk_s3::types::QueueConfiguration::builder()
                            .queue_arn(&uploads_arn)
                            .events(aws_sdk_s3::types::Event::from("s3:ObjectCreated:*"))
                            .filter(
                                aws_sdk_s3::types::NotificationConfigurationFilter::builder()
                                    .key(
                                        aws_sdk_s3::types::S3KeyFilter::builder()
                                            .filter_rules(
                                                aws_sdk_s3::types::FilterRule::builder()
                                                    .name(aws_sdk_s3::types::FilterRuleName::Suffix)
                                                    .value(".tgz")
                                                    .build(),
                                            )
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build()
                            .expect("queue configuration"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("bucket notification");

        let slack = lockgate_slack::standin::SlackStandin::start()
            .await
            .expect("slack stand-in");
        let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
        let production_kubeconfig =
            std::fs::read_to_string(&production_kc).expect("production kubeconfig");
        for (name, value) in [
            ("lockgate/slack-bot-token", lockgate_slack::standin::TOKEN),
            ("lockgate/slack-signing-secret", SIGNING_SECRET),
            (
                "lockgate/production-kubeconfig",
                production_kubeconfig.as_str(),
            ),
        ] {
            secrets
                .create_secret()
                .name(name)
                .secret_string(value)
                .send()
                .await
                .expect("secret");
        }
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("tmp");
        let mut env = moto.sdk_env();
        env.extend(
            [
                ("LOCKGATE_CONFIG_BUCKET", STATE_BUCKET),
                ("LOCKGATE_CONFIG_PREFIX", "config/"),
                ("LOCKGATE_STATE_BUCKET", STATE_BUCKET),
                ("LOCKGATE_STATE_PREFIX", "state/"),
                ("LOCKGATE_CHART_BUCKET", CHART_BUCKET),
                ("LOCKGATE_DEPLOYER_QUEUE_URL", deployer.as_str()),
                ("LOCKGATE_APPROVALS_QUEUE_URL", approvals.as_str()),
                ("LOCKGATE_TIMERS_QUEUE_URL", timers.as_str()),
                ("LOCKGATE_S3_PATH_STYLE", "true"),
                (
                    "LOCKGATE_SLACK_TOKEN_SECRET_ARN",
                    "lockgate/slack-bot-token",
                ),
                (
                    "LOCKGATE_SLACK_SIGNING_SECRET_ARN",
                    "lockgate/slack-signing-secret",
                ),
                ("LOCKGATE_SLACK_API_URL", &slack.api_url()),
                ("TMPDIR", &tmp.to_string_lossy()),
                ("RUST_LOG", "info"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let queues = vec![
            Queue {
                url: uploads,
                arn: uploads_arn,
                function: "chart-uploaded",
                batch: 10,
            },
            Queue {
                url: timers,
                arn: timers_arn,
                function: "deployer",
                batch: 10,
            },
            Queue {
                url: deployer,
                arn: deployer_arn,
                function: "deployer",
                batch: 1,
            },
            Queue {
                url: approvals,
                arn: approvals_arn,
                function: "approvals",
                batch: 10,
            },
        ];
        let mut stack = Stack {
            moto,
            sdk,
            s3,
            sqs,
            ecr,
            staging,
            production,
            slack,
            queues,
            emulators: BTreeMap::new(),
            env,
            bin_dir,
            delivery: options.delivery,
            kill_next: std::sync::Mutex::new(None),
            _dir: dir,
        };
        for f in FUNCTIONS {
            let emulator = Emulator::start().await.expect("emulator");
            stack.emulators.insert(f, emulator);
            stack.spawn(f).await;
        }
        stack
    }

    /// (Re)starts the function `name` and waits until it is ready.
    pub async fn spawn(&self, name: &str) -> Duration {
        let emulator = &self.emulators[name];
        emulator
            .spawn_function(self.bin_dir.join(name), self.env.clone())
            .expect("spawn function");
        emulator
            .wait_ready(Duration::from_secs(30))
            .await
            .unwrap_or_else(|e| panic!("{name} did not start: {e}\n{}", emulator.logs()))
    }

    /// The path of the function binary `name`.
    pub fn binary(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    /// The Function URL event of a signed click by `user` on a button `action`
    /// carrying `value`.
    pub fn signed_click_event(&self, user: &str, action: &str, value: &str) -> Value {
        let payload = json!({
            "type": "block_actions",
            "user": { "id": user },
            "trigger_id": format!("trigger-{user}"),
            "response_url": self.slack.response_url(user),
            "channel": { "id": CHANNEL },
            "actions": [ { "action_id": action, "value": value } ]
        });
        signed_event(&payload, SIGNING_SECRET)
    }

    /// The function's emulator.
    pub fn function(&self, name: &str) -> &Emulator {
        &self.emulators[name]
    }

    /// Every function's log so far.
    pub fn logs(&self) -> String {
        self.emulators
            .iter()
            .map(|(name, e)| format!("--- {name}\n{}", e.logs()))
            .collect()
    }

    /// Pushes `tag` to ECR (digest = sha256 of the manifest, as ECR computes it) and
    /// delivers the "ECR Image Action" event EventBridge would send to image-pushed.
    /// Returns the digest and the function's answer(s).
    pub async fn push_image(&self, tag: &str) -> (String, Vec<Value>) {
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                       "digest": format!("sha256:{}", hex::encode(Sha256::digest(tag.as_bytes())))},
            "layers": []
        })
        .to_string();
        let digest = format!(
            "sha256:{}",
            hex::encode(Sha256::digest(manifest.as_bytes()))
        );
        self.ecr
            .put_image()
            .repository_name(REPOSITORY)
            .image_manifest(&manifest)
            .image_tag(tag)
            .image_digest(&digest)
            .send()
            .await
            .expect("put image");
        let event = ecr_push_event(tag, &digest);
        let mut answers = Vec::new();
        for _ in 0..self.times() {
            let answer = self
                .function("image-pushed")
                .invoke(&event, Duration::from_secs(60))
                .await
                .unwrap_or_else(|e| panic!("image-pushed failed: {e}\n{}", self.logs()));
            answers.push(answer);
        }
        (digest, answers)
    }

    /// Kills `function` in the middle of the next batch it is given, then starts a
    /// fresh process, as Lambda does after a crash.
    pub fn kill_during_next_batch(&self, function: &'static str) {
        *self.kill_next.lock().expect("lock") = Some(function);
    }

    fn take_kill(&self, function: &str) -> bool {
        let mut k = self.kill_next.lock().expect("lock");
        if *k == Some(function) {
            *k = None;
            true
        } else {
            false
        }
    }

    async fn kill_mid_invocation(&self, function: &str, event: &Value) {
        let emulator = self.function(function);
        let invocation = emulator.invoke(event, Duration::from_secs(60));
        let killer = async {
            tokio::time::sleep(Duration::from_millis(15)).await;
            emulator.kill().await
        };
        let (outcome, _) = tokio::join!(invocation, killer);
        assert!(
            outcome.is_err(),
            "the killed invocation must not answer: {outcome:?}"
        );
        self.spawn(function).await;
    }

    fn times(&self) -> usize {
        match self.delivery {
            Delivery::Once => 1,
            Delivery::Twice => 2,
        }
    }

    /// Plays each event source mapping once: receives a batch, invokes the function
    /// (twice under [`Delivery::Twice`]) and deletes what succeeded. Returns how many
    /// messages were delivered.
    pub async fn pump_once(&self) -> usize {
        let mut delivered = 0;
        for q in &self.queues {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&q.url)
                .max_number_of_messages(q.batch)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .message_attribute_names("All")
                .send()
                .await
                .expect("receive");
            let messages: Vec<SqsMessage> = out.messages().iter().map(to_harness).collect();
            if messages.is_empty() {
                continue;
            }
            delivered += messages.len();
            let event = sqs_event(&q.arn, &messages);
            if self.take_kill(q.function) {
                self.kill_mid_invocation(q.function, &event).await;
                continue; // nothing deleted: the batch comes back after its visibility timeout
            }
            let mut outcome = None;
            for _ in 0..self.times() {
                outcome = Some(
                    self.function(q.function)
                        .invoke(&event, Duration::from_secs(60))
                        .await,
                );
            }
            let outcome = outcome.expect("invoked");
            let settled = settle_batch(&messages, &outcome);
            for m in messages
                .iter()
                .filter(|m| settled.delete.contains(&m.message_id))
            {
                self.sqs
                    .delete_message()
                    .queue_url(&q.url)
                    .receipt_handle(&m.receipt_handle)
                    .send()
                    .await
                    .expect("delete");
            }
        }
        delivered
    }

    /// Pumps until the queues stay empty for a moment (due timers aside).
    pub async fn settle(&self) {
        let mut quiet = 0;
        while quiet < 3 {
            if self.pump_once().await == 0 {
                quiet += 1;
                tokio::time::sleep(Duration::from_millis(150)).await;
            } else {
                quiet = 0;
            }
        }
    }

    /// Pumps until `done` holds for the executions of the app, or panics after `limit`.
    pub async fn run_until(
        &self,
        what: &str,
        limit: Duration,
        done: impl Fn(&[Execution]) -> bool,
    ) -> Vec<Execution> {
        let t0 = Instant::now();
        loop {
            let worked = self.pump_once().await;
            let execs = self.executions().await;
            if done(&execs) {
                return execs;
            }
            assert!(
                t0.elapsed() < limit,
                "timed out waiting for {what}: {:?}\n{}",
                execs
                    .iter()
                    .map(|e| e.status.to_string())
                    .collect::<Vec<_>>(),
                self.logs()
            );
            if worked == 0 {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// The state store the functions write.
    pub fn state(&self) -> S3StateStore {
        S3StateStore::new(self.s3.clone(), S3Location::new(STATE_BUCKET, "state/"))
    }

    /// Every execution in the state bucket.
    pub async fn executions(&self) -> Vec<Execution> {
        let store = self.state();
        let mut out = Vec::new();
        for key in store.list("executions/").await.expect("list executions") {
            if let Some(v) = store.get(&key).await.expect("get execution") {
                out.push(serde_json::from_slice(&v.bytes).expect("execution json"));
            }
        }
        out
    }

    /// The approval request posted for `exec` (a top-level message with buttons).
    pub fn approval_message(&self, exec: &Execution) -> lockgate_slack::standin::Posted {
        self.slack
            .messages()
            .into_iter()
            .find(|m| {
                let blocks = m.blocks.to_string();
                m.thread_ts.is_none()
                    && blocks.contains(exec.id.as_str())
                    && blocks.contains("lg_facts")
            })
            .unwrap_or_else(|| {
                panic!(
                    "no approval request for {} in Slack: {:?}",
                    exec.id,
                    self.slack.messages()
                )
            })
    }

    /// The value of the button `action` on the approval request of `exec`.
    pub fn button_value(&self, exec: &Execution, action: &str) -> String {
        self.approval_message(exec)
            .blocks
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
            .find(|e| e["action_id"] == action)
            .and_then(|e| e["value"].as_str().map(str::to_string))
            .expect("the request has the button")
    }

    /// Sends `payload` to slack-interactions as Slack does: form-encoded, signed with
    /// the signing secret, through the Function URL event. Returns the HTTP answer.
    pub async fn slack_request(&self, payload: &Value) -> (u16, String) {
        self.slack_request_signed_with(payload, SIGNING_SECRET)
            .await
    }

    /// As [`Stack::slack_request`], signed with `secret`.
    pub async fn slack_request_signed_with(&self, payload: &Value, secret: &str) -> (u16, String) {
        let event = signed_event(payload, secret);
        let answer = self
            .function("slack-interactions")
            .invoke(&event, Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("slack-interactions failed: {e}\n{}", self.logs()));
        (
            answer["statusCode"].as_u64().unwrap_or_default() as u16,
            answer["body"].as_str().unwrap_or_default().to_string(),
        )
    }

    /// `user` clicks the button `action` (`lockgate_approve`) on the request of `exec`.
    pub async fn click(&self, exec: &Execution, user: &str, action: &str) -> (u16, String) {
        let value = self.button_value(exec, action);
        self.click_value(user, action, &value).await
    }

    /// `user` clicks a button `action` carrying `value` (kept from an earlier version
    /// of a message).
    pub async fn click_value(&self, user: &str, action: &str, value: &str) -> (u16, String) {
        let payload = json!({
            "type": "block_actions",
            "user": { "id": user },
            "trigger_id": format!("trigger-{user}"),
            "response_url": self.slack.response_url(user),
            "channel": { "id": CHANNEL },
            "actions": [ { "action_id": action, "value": value } ]
        });
        self.slack_request(&payload).await
    }

    /// `user` rejects `exec` with `reason` (the button, then the reason dialog).
    pub async fn reject(&self, exec: &Execution, user: &str, reason: &str) -> (u16, String) {
        let (status, body) = self.click(exec, user, "lockgate_reject").await;
        assert_eq!(status, 200, "{body}");
        let payload = json!({
            "type": "view_submission",
            "user": { "id": user },
            "view": {
                "callback_id": "lockgate_reject_reason",
                "private_metadata": self.button_value(exec, "lockgate_reject"),
                "state": { "values": { "lockgate_reason": { "lockgate_reason_input": { "value": reason } } } }
            }
        });
        self.slack_request(&payload).await
    }

    /// Keys of the chart repository's `index.yaml` entries for the app.
    pub async fn index_versions(&self) -> Vec<String> {
        let out = self
            .s3
            .get_object()
            .bucket(CHART_BUCKET)
            .key("index.yaml")
            .send()
            .await
            .expect("index.yaml");
        let text =
            String::from_utf8(out.body.collect().await.expect("body").to_vec()).expect("utf8");
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("version: "))
            .map(str::to_string)
            .collect()
    }

    /// Release Secrets of the app in `cluster`'s namespace `ns`.
    pub fn releases(cluster: &SimCluster, ns: &str) -> Vec<Value> {
        cluster
            .list_objects("", "secrets", Some(ns))
            .into_iter()
            .filter(|s| s["type"] == "helm.sh/release.v1")
            .collect()
    }

    /// The SDK configuration for moto.
    pub fn sdk(&self) -> &SdkConfig {
        &self.sdk
    }
}

fn to_harness(m: &aws_sdk_sqs::types::Message) -> SqsMessage {
    SqsMessage {
        message_id: m.message_id().unwrap_or_default().to_string(),
        receipt_handle: m.receipt_handle().unwrap_or_default().to_string(),
        body: m.body().unwrap_or_default().to_string(),
        md5_of_body: m.md5_of_body().unwrap_or_default().to_string(),
        attributes: m
            .attributes()
            .map(|a| {
                a.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        message_attributes: m
            .message_attributes()
            .map(|a| {
                a.iter()
                    .filter_map(|(k, v)| v.string_value().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The Function URL event of `payload` posted as Slack posts it: form-encoded and
/// signed with `secret` now.
fn signed_event(payload: &Value, secret: &str) -> Value {
    let body = format!(
        "payload={}",
        payload
            .to_string()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    );
    let ts = chrono::Utc::now().timestamp().to_string();
    let signature = lockgate_slack::sign_request(secret.as_bytes(), &ts, body.as_bytes());
    function_url_event(&body, &ts, &signature)
}

/// A Lambda Function URL event (payload format 2.0) for a Slack POST.
fn function_url_event(body: &str, ts: &str, signature: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "e2e",
            "domainName": "e2e.lambda-url.us-east-1.on.aws",
            "domainPrefix": "e2e",
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Slackbot"},
            "requestId": format!("req-{ts}"),
            "routeKey": "$default",
            "stage": "$default",
            "time": "28/Nov/2026:12:00:00 +0000",
            "timeEpoch": 0
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// The "ECR Image Action" event of a successful push, shaped as in the ECR
/// documentation's example.
pub fn ecr_push_event(tag: &str, digest: &str) -> Value {
    json!({
        "version": "0",
        "id": format!("e2e-push-{tag}"),
        "detail-type": "ECR Image Action",
        "source": "aws.ecr",
        "account": ACCOUNT,
        "time": "2026-11-28T12:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "result": "SUCCESS",
            "repository-name": REPOSITORY,
            "image-digest": digest,
            "action-type": "PUSH",
            "image-tag": tag
        }
    })
}
