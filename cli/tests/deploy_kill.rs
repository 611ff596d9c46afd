//! A `lockgate deploy` killed at a random point and then run again ends in the same state
//! as an uninterrupted one: the same revisions with the same statuses (no duplicates) and
//! the same image running. The seed is printed; `LOCKGATE_KILL_SEED` replays it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lockgate_simcluster::{SimCluster, SimConfig};

mod common;

fn lockgate() -> &'static str {
    env!("CARGO_BIN_EXE_lockgate")
}

fn webapp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/helm/tests/charts/webapp")
}

/// The steps of the scenario: install, upgrade, an upgrade that crash-loops.
fn steps() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (vec![], "20s"),
        (
            vec!["--set", "image.tag=2.0.0", "--set", "image.digest="],
            "20s",
        ),
        (
            vec![
                "--set",
                "image.repository=registry.example.com/crashme",
                "--set",
                "migrations.enabled=false",
            ],
            "3s",
        ),
    ]
}

fn deploy_cmd(kubeconfig: &Path, ns: &str, extra: &[&str], timeout: &str) -> Command {
    let mut c = Command::new(lockgate());
    c.arg("deploy")
        .arg(webapp())
        .args([
            "--release",
            "web",
            "-n",
            ns,
            "--create-namespace",
            "--atomic",
        ])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--timeout", timeout])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// `(revision, status)` of every revision, and the deployment's image.
fn final_state(kubeconfig: &Path, ns: &str) -> (Vec<(i64, String)>, String) {
    (
        common::revisions(kubeconfig, "web", ns),
        deployment_image(kubeconfig, ns),
    )
}

/// The image the release's Deployment runs, read from the cluster.
fn deployment_image(kubeconfig: &Path, ns: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let conn = lockgate_kube::target::Target::KubeconfigFile {
            path: kubeconfig.to_path_buf(),
            context: None,
        }
        .connect(chrono::Utc::now())
        .await
        .unwrap();
        let cluster = lockgate_kube::cluster::Cluster::new(conn.client);
        let d = cluster
            .get("apps/v1", "Deployment", ns, "web-webapp")
            .await
            .unwrap()
            .expect("the release's deployment exists");
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("")
            .to_string()
    })
}

/// xorshift, for reproducible kill points.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn deploys_killed_at_random_points_end_as_uninterrupted_ones() {
    let cfg = SimConfig {
        crash_images: vec!["*crashme*".into()],
        time_scale: 0.02,
        tls: true,
        ..SimConfig::default()
    };
    let sim = SimCluster::start_background("127.0.0.1:0".parse().unwrap(), cfg).unwrap();
    let kc = tempfile::NamedTempFile::new().unwrap();
    sim.write_kubeconfig(kc.path()).unwrap();
    let kubeconfig = kc.path();

    // the uninterrupted reference, with each step's duration
    let mut durations = Vec::new();
    for (extra, timeout) in steps() {
        let t0 = Instant::now();
        let _ = deploy_cmd(kubeconfig, "reference", &extra, timeout)
            .status()
            .unwrap();
        durations.push(t0.elapsed());
    }
    let reference = final_state(kubeconfig, "reference");
    assert_eq!(
        reference.0,
        vec![
            (1, "superseded".to_string()),
            (2, "superseded".to_string()),
            (3, "failed".to_string()),
            (4, "deployed".to_string())
        ]
    );

    let seed = std::env::var("LOCKGATE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("kill seed {seed} (LOCKGATE_KILL_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let mut interrupted = 0;
    for trial in 0..5 {
        let ns = format!("trial-{trial}");
        for (i, (extra, timeout)) in steps().into_iter().enumerate() {
            // kill once or twice at random points of this step, then let it finish
            let kills = 1 + rng.next() % 2;
            for _ in 0..kills {
                let span = durations[i].as_millis().max(50) as u64;
                let at = Duration::from_millis(rng.next() % span);
                let mut child = deploy_cmd(kubeconfig, &ns, &extra, timeout)
                    .spawn()
                    .unwrap();
                std::thread::sleep(at);
                if child.try_wait().unwrap().is_none() {
                    interrupted += 1;
                }
                let _ = child.kill();
                let _ = child.wait();
            }
            let _ = deploy_cmd(kubeconfig, &ns, &extra, timeout)
                .status()
                .unwrap();
        }
        let got = final_state(kubeconfig, &ns);
        assert_eq!(
            got, reference,
            "trial {trial} (seed {seed}) ended differently"
        );
    }
    eprintln!("{interrupted} deploys were killed while running; step durations {durations:?}");
    assert!(
        interrupted >= 10,
        "too few kills landed while a deploy ran: {interrupted}"
    );
}
