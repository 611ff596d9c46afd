//! `lockgate`: the command line. Chart commands (`template`, `lint`, `package`,
//! `repo index`) run the native Helm engine; the pipeline commands come later.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod bench;
mod config_cmd;
mod demo;
mod deploy_cmd;
mod local_cmd;
mod simcluster_cmd;
mod slack_cmd;

/// Rendering allocates many small strings and maps; mimalloc serves them faster than
/// the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serverless continuous delivery for Kubernetes.
#[derive(Parser, Debug)]
#[command(name = "lockgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render a chart locally and print the manifests, as `helm template` does.
    Template(TemplateArgs),
    /// Check a chart for problems, as `helm lint` does.
    Lint(LintArgs),
    /// Package a chart directory into a reproducible versioned archive.
    Package(PackageArgs),
    /// Chart repository commands.
    Repo {
        #[command(subcommand)]
        command: RepoCommand,
    },
    /// Run the whole pipeline on a sample app and the embedded simulated cluster.
    Demo(demo::DemoArgs),
    /// Run the pipeline as a local service on a state directory (no AWS needed).
    Run(local_cmd::RunArgs),
    /// Queue an image push for `lockgate run`.
    PushImage(local_cmd::PushArgs),
    /// Show executions and their stages.
    Status(local_cmd::StatusArgs),
    /// Approve an execution waiting at a gate.
    Approve(local_cmd::DecideArgs),
    /// Reject an execution waiting at a gate.
    Reject(local_cmd::DecideArgs),
    /// Install or upgrade a chart as a Helm-compatible release, wait, roll back on failure.
    Deploy(deploy_cmd::DeployArgs),
    /// Roll a release back to an earlier revision, as `helm rollback` does.
    Rollback(deploy_cmd::RollbackArgs),
    /// Show a release's revisions, as `helm history` does.
    History(deploy_cmd::HistoryArgs),
    /// Run a simulated Kubernetes API server (for kubectl, Helm and demos) until Ctrl-C.
    Simcluster(simcluster_cmd::SimclusterArgs),
    /// Slack integration tools (verify a request's signature).
    Slack(slack_cmd::SlackArgs),
    /// Check a lockgate.yaml and print every problem with its path.
    ValidateConfig(config_cmd::ValidateConfigArgs),
    /// Time in-process renders of charts (used by the benchmark script).
    #[command(hide = true)]
    Bench(bench::BenchArgs),
}

#[derive(Subcommand, Debug)]
enum RepoCommand {
    /// Write index.yaml for the chart archives in a directory, as `helm repo index` does.
    Index {
        /// directory holding `.tgz` chart archives
        dir: PathBuf,
        /// URL of the chart repository
        #[arg(long)]
        url: Option<String>,
        /// merge the generated index into this existing index
        #[arg(long)]
        merge: Option<PathBuf>,
    },
}

/// Values flags shared by the rendering commands.
#[derive(Args, Debug, Clone, Default)]
pub struct ValueFlags {
    /// values file (repeatable; later files win)
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub files: Vec<String>,
    /// set a value: KEY=VAL[,KEY=VAL] (repeatable)
    #[arg(long = "set", value_name = "KEY=VAL")]
    pub set: Vec<String>,
    /// set a string value (repeatable)
    #[arg(long = "set-string", value_name = "KEY=VAL")]
    pub set_string: Vec<String>,
    /// set a JSON value: KEY=JSON (repeatable)
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
    /// set a value from a file's contents: KEY=PATH (repeatable)
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    /// set a literal string value: KEY=VAL (repeatable)
    #[arg(long = "set-literal", value_name = "KEY=VAL")]
    pub set_literal: Vec<String>,
}

impl ValueFlags {
    fn merge_options(&self) -> lockgate_helm::values::MergeOptions {
        lockgate_helm::values::MergeOptions {
            value_files: self.files.clone(),
            json_values: self.set_json.clone(),
            values: self.set.clone(),
            string_values: self.set_string.clone(),
            file_values: self.set_file.clone(),
            literal_values: self.set_literal.clone(),
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum TemplateOutput {
    /// what `helm template` prints
    Yaml,
    /// every template's rendered text as JSON (`{"raw": {PATH: TEXT}, "notes": ...}`)
    RawJson,
}

#[derive(Args, Debug)]
struct TemplateArgs {
    /// chart directory or .tgz archive
    chart: PathBuf,
    #[command(flatten)]
    values: ValueFlags,
    /// release name
    #[arg(long = "name", alias = "release-name", default_value = "release-name")]
    name: String,
    /// namespace
    #[arg(short = 'n', long = "namespace", default_value = "default")]
    namespace: String,
    /// Kubernetes version for .Capabilities (default v1.36.0)
    #[arg(long = "kube-version")]
    kube_version: Option<String>,
    /// extra API versions for .Capabilities (repeatable)
    #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION")]
    api_versions: Vec<String>,
    /// render as an upgrade (.Release.IsUpgrade)
    #[arg(long = "is-upgrade")]
    is_upgrade: bool,
    /// include the charts' CRDs in the output
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// leave test hooks out of the output
    #[arg(long = "skip-tests")]
    skip_tests: bool,
    /// output format
    #[arg(long = "output", short = 'o', value_enum, default_value = "yaml")]
    output: TemplateOutput,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// chart directories or archives
    #[arg(required = true)]
    charts: Vec<PathBuf>,
    #[command(flatten)]
    values: ValueFlags,
    /// treat warnings as errors
    #[arg(long)]
    strict: bool,
}

#[derive(Args, Debug)]
struct PackageArgs {
    /// chart directory
    chart: PathBuf,
    /// set the chart version (SemVer 2)
    #[arg(long)]
    version: Option<String>,
    /// set the appVersion
    #[arg(long = "app-version")]
    app_version: Option<String>,
    /// destination directory
    #[arg(short = 'd', long = "destination", default_value = ".")]
    destination: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Deeply nested `include`s recurse; give the engine a large stack.
    let child = std::thread::Builder::new()
        .stack_size(512 * 1024 * 1024)
        .spawn(move || run(cli));
    let result = match child {
        Ok(h) => h
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error"))),
        Err(e) => Err(anyhow::anyhow!("cannot start worker thread: {e}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Template(a) => template(a),
        Command::Lint(a) => lint(a),
        Command::Package(a) => package(a),
        Command::Repo { command } => match command {
            RepoCommand::Index { dir, url, merge } => repo_index(dir, url, merge),
        },
        Command::ValidateConfig(a) => config_cmd::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Run(a) => local_cmd::run(a),
        Command::PushImage(a) => local_cmd::push_image(a),
        Command::Status(a) => local_cmd::status(a),
        Command::Approve(a) => local_cmd::decide(a, lockgate_core::execution::Verdict::Approve),
        Command::Reject(a) => local_cmd::decide(a, lockgate_core::execution::Verdict::Reject),
        Command::Deploy(a) => deploy_cmd::deploy(a),
        Command::Rollback(a) => deploy_cmd::rollback(a),
        Command::History(a) => deploy_cmd::history(a),
        Command::Simcluster(a) => simcluster_cmd::run(a).map(|()| ExitCode::SUCCESS),
        Command::Slack(a) => slack_cmd::run(a),
    }
}

fn template(a: TemplateArgs) -> anyhow::Result<ExitCode> {
    use lockgate_helm::action;
    let req = action::TemplateRequest {
        chart: a.chart.clone(),
        values: a.values.merge_options(),
        release: lockgate_helm::engine::ReleaseInfo {
            name: a.name,
            namespace: a.namespace,
            revision: 1,
            is_upgrade: a.is_upgrade,
        },
        kube_version: a.kube_version,
        api_versions: a.api_versions,
        strict: false,
        lint: false,
    };
    let rendered = action::render(&req)?;
    let mut out = std::io::stdout().lock();
    match a.output {
        TemplateOutput::RawJson => {
            let doc = serde_json::json!({
                "raw": rendered.raw,
                "notes": rendered.notes(),
            });
            writeln!(out, "{doc}")?;
        }
        TemplateOutput::Yaml => {
            let text = rendered.stdout(lockgate_helm::release::TemplateOutput {
                include_crds: a.include_crds,
                skip_tests: a.skip_tests,
            })?;
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(a: LintArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0usize;
    for chart in &a.charts {
        let report = lockgate_helm::lint::lint(chart, &a.values.merge_options(), a.strict);
        print!("{}", report.render());
        if report.failed(a.strict) {
            failed += 1;
        }
    }
    println!(
        "{} chart(s) linted, {} chart(s) failed",
        a.charts.len(),
        failed
    );
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn package(a: PackageArgs) -> anyhow::Result<ExitCode> {
    if let Some(v) = &a.version {
        if lockgate_helm::semver::Version::parse(v).is_err() {
            anyhow::bail!("--version {v:?} is not a valid SemVer 2 version: use a version such as 1.2.3 or 1.2.3-rc.1");
        }
    }
    let path = lockgate_helm::package::package(
        &a.chart,
        &lockgate_helm::package::PackageOptions {
            version: a.version,
            app_version: a.app_version,
            dest: a.destination,
        },
    )?;
    println!(
        "Successfully packaged chart and saved it to: {}",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn repo_index(
    dir: PathBuf,
    url: Option<String>,
    merge: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let existing = match &merge {
        Some(p) => {
            Some(std::fs::read(p).with_context(|| format!("reading --merge {}", p.display()))?)
        }
        None => None,
    };
    let now = chrono::Local::now().fixed_offset();
    let index = lockgate_helm::repo::repo_index(
        &dir,
        url.as_deref().unwrap_or(""),
        existing.as_deref(),
        now,
    )
    .map_err(|e| anyhow::anyhow!("indexing {}: {e}", dir.display()))?;
    let text = index
        .to_yaml()
        .map_err(|e| anyhow::anyhow!("writing index: {e}"))?;
    let out = dir.join("index.yaml");
    std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
    Ok(ExitCode::SUCCESS)
}
