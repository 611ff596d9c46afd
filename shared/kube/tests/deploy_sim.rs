//! lockgate's deployer against the simulated cluster, checked with real Helm v4: install,
//! upgrade, a crash-looping upgrade rolled back automatically, Helm's own rollback of a
//! lockgate release, and lockgate upgrading a revision Helm made.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use lockgate_kube::cluster::Cluster;
use lockgate_kube::deploy::{DeployOptions, Deployer, Outcome, RollbackOutcome};
use lockgate_kube::plan::{ChartInput, Source};
use lockgate_kube::target::Target;
use lockgate_simcluster::{SimCluster, SimConfig};
use serde_json::Value as Json;

fn webapp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../helm/tests/charts/webapp")
}

fn python() -> PathBuf {
    PathBuf::from(std::env::var("LOCKGATE_TEST_PYTHON").expect(
        "LOCKGATE_TEST_PYTHON is not set: run the tests with `bash scripts/test.sh`, which creates the venv with real Helm",
    ))
}

struct Env {
    sim: SimCluster,
    kubeconfig: tempfile::NamedTempFile,
    deployer: Deployer,
}

async fn env() -> Env {
    let cfg = SimConfig {
        crash_images: vec!["*crashme*".into()],
        time_scale: 0.02,
        tls: true,
        ..SimConfig::default()
    };
    let sim =
        SimCluster::start_background("127.0.0.1:0".parse().unwrap(), cfg).expect("simcluster");
    let kubeconfig = tempfile::NamedTempFile::new().unwrap();
    sim.write_kubeconfig(kubeconfig.path()).unwrap();
    let conn = Target::KubeconfigContent {
        content: sim.kubeconfig_yaml("sim", "default"),
        context: None,
    }
    .connect(chrono::Utc::now())
    .await
    .expect("connect");
    Env {
        sim,
        kubeconfig,
        deployer: Deployer::new(Arc::new(Cluster::new(conn.client))),
    }
}

fn helm(e: &Env, ns: &str, args: &[&str]) -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/helm_ops.py");
    let out = Command::new(python())
        .arg(script)
        .arg(e.kubeconfig.path())
        .arg(ns)
        .args(args)
        .output()
        .expect("run python");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `(revision, status, description)` as real Helm reports them.
fn helm_history(e: &Env, ns: &str, name: &str) -> Vec<(i64, String, String)> {
    let text = helm(e, ns, &["history", name]).expect("helm history");
    let rows: Vec<Json> = serde_json::from_str(&text).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["revision"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("helm history: {text}")),
                r["status"].as_str().unwrap().to_string(),
                r["description"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn statuses(h: &[(i64, String, String)]) -> Vec<(i64, &str)> {
    h.iter().map(|(r, s, _)| (*r, s.as_str())).collect()
}

fn source(sets: &[&str]) -> Source {
    let values = lockgate_helm::values::MergeOptions {
        values: sets.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    Source {
        chart: ChartInput::Path(webapp()),
        values,
        files: Default::default(),
    }
}

fn opts(ns: &str) -> DeployOptions {
    let mut o = DeployOptions::new("web", ns);
    o.timeout = Duration::from_secs(20);
    o.create_namespace = true;
    o
}

async fn deployment_image(e: &Env, ns: &str) -> String {
    let d = e
        .deployer
        .cluster()
        .get("apps/v1", "Deployment", ns, "web-webapp")
        .await
        .unwrap()
        .expect("deployment exists");
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_upgrade_and_crashing_upgrade_roll_back_as_helm_sees_them() {
    let e = env().await;
    let ns = "apps";
    let poll = Duration::from_millis(50);
    let d = &e.deployer;

    let out = d
        .deploy(&source(&[]), &opts(ns), poll, |_| {})
        .await
        .unwrap();
    assert_eq!(
        out,
        Outcome::Deployed {
            revision: 1,
            unchanged: false
        }
    );
    let h = helm_history(&e, ns, "web");
    assert_eq!(statuses(&h), vec![(1, "deployed")]);
    assert_eq!(h[0].2, "Install complete");
    let first_image = deployment_image(&e, ns).await;

    // the same chart and values again: nothing to do, no new revision
    let out = d
        .deploy(&source(&[]), &opts(ns), poll, |_| {})
        .await
        .unwrap();
    assert_eq!(
        out,
        Outcome::Deployed {
            revision: 1,
            unchanged: true
        }
    );

    let out = d
        .deploy(
            &source(&["image.tag=2.0.0", "image.digest="]),
            &opts(ns),
            poll,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        Outcome::Deployed {
            revision: 2,
            unchanged: false
        }
    );
    assert_eq!(
        deployment_image(&e, ns).await,
        "registry.example.com/webapp:2.0.0"
    );
    assert_eq!(
        statuses(&helm_history(&e, ns, "web")),
        vec![(1, "superseded"), (2, "deployed")]
    );
    let values: Json = serde_json::from_str(&helm(&e, ns, &["values", "web"]).unwrap()).unwrap();
    assert_eq!(
        values["image"]["tag"], "2.0.0",
        "helm get values reads lockgate's record"
    );

    let mut o = opts(ns);
    o.timeout = Duration::from_secs(3);
    let out = d
        .deploy(
            &source(&[
                "image.repository=registry.example.com/crashme",
                "image.tag=3.0.0",
                "image.digest=",
                "migrations.enabled=false",
            ]),
            &o,
            poll,
            |_| {},
        )
        .await
        .unwrap();
    match &out {
        Outcome::RolledBack {
            failed_revision: 3,
            reason,
            rollback: RollbackOutcome::Restored { revision: 4, to: 2 },
        } => {
            assert!(reason.contains("Deployment/web-webapp"), "{reason}");
            assert!(
                reason.contains("CrashLoopBackOff"),
                "the pods' reason is reported: {reason}"
            );
        }
        other => panic!("expected a rollback to 2, got {other:?}"),
    }
    assert_eq!(
        deployment_image(&e, ns).await,
        "registry.example.com/webapp:2.0.0"
    );
    let h = helm_history(&e, ns, "web");
    assert_eq!(
        statuses(&h),
        vec![
            (1, "superseded"),
            (2, "superseded"),
            (3, "failed"),
            (4, "deployed")
        ]
    );
    assert_eq!(h[3].2, "Rollback to 2");
    assert!(h[2].2.starts_with("Upgrade \"web\" failed: "), "{}", h[2].2);

    // real Helm rolls back a release lockgate made
    helm(&e, ns, &["rollback", "web", "1"]).expect("helm rollback");
    assert_eq!(deployment_image(&e, ns).await, first_image);
    let h = helm_history(&e, ns, "web");
    assert_eq!(h.last().unwrap().0, 5);
    assert_eq!(h.last().unwrap().1, "deployed");

    // and lockgate upgrades the revision Helm made
    let out = d
        .deploy(
            &source(&["image.tag=2.1.0", "image.digest="]),
            &opts(ns),
            poll,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        Outcome::Deployed {
            revision: 6,
            unchanged: false
        }
    );
    let h = helm_history(&e, ns, "web");
    assert_eq!(h[4].1, "superseded");
    assert_eq!(h[5].1, "deployed");
    drop(e.sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_first_install_is_uninstalled_and_not_retried_by_a_duplicate() {
    let e = env().await;
    let ns = "first";
    let mut o = opts(ns);
    o.timeout = Duration::from_secs(2);
    let bad = source(&[
        "image.repository=registry.example.com/crashme",
        "migrations.enabled=false",
    ]);
    let out = e
        .deployer
        .deploy(&bad, &o, Duration::from_millis(50), |_| {})
        .await
        .unwrap();
    assert!(
        matches!(
            &out,
            Outcome::RolledBack {
                failed_revision: 1,
                rollback: RollbackOutcome::Uninstalled,
                ..
            }
        ),
        "{out:?}"
    );
    let gone = e
        .deployer
        .cluster()
        .get("apps/v1", "Deployment", ns, "web-webapp")
        .await
        .unwrap();
    assert!(gone.is_none(), "the failed install's objects are removed");
    // the same message delivered again changes nothing
    let again = e
        .deployer
        .deploy(&bad, &o, Duration::from_millis(50), |_| {})
        .await
        .unwrap();
    assert!(matches!(
        again,
        Outcome::RolledBack {
            rollback: RollbackOutcome::Uninstalled,
            ..
        }
    ));
    assert_eq!(
        statuses(&helm_history(&e, ns, "web")),
        vec![(1, "uninstalled")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_helm_installed_is_upgraded_by_lockgate() {
    let e = env().await;
    let ns = "helmmade";
    e.deployer
        .cluster()
        .create(
            &serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            "",
        )
        .await
        .unwrap();
    helm(&e, ns, &["install", webapp().to_str().unwrap(), "web"]).expect("helm install");
    let out = e
        .deployer
        .deploy(
            &source(&["image.tag=9.9.9", "image.digest="]),
            &opts(ns),
            Duration::from_millis(50),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        Outcome::Deployed {
            revision: 2,
            unchanged: false
        }
    );
    assert_eq!(
        deployment_image(&e, ns).await,
        "registry.example.com/webapp:9.9.9"
    );
    assert_eq!(
        statuses(&helm_history(&e, ns, "web")),
        vec![(1, "superseded"), (2, "deployed")]
    );
}
