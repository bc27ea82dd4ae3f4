//! Process deaths with real processes (spec decision 7). The gateway dies by SIGKILL while a job
//! runs: the job runs on under its detached supervisor and a later gateway reads it
//! `completed`. The job's supervisor dies by SIGKILL: the CLI's whole tree is gone within 2 s
//! and the job reads `orphaned` with its partial output. The "gateway" is this test binary
//! re-run as a child process (see `gateway_process`). Each runs twice: on the Linux path and on
//! the portable one (`PORTABLE_LIVENESS_ENV`: no parent-death signal, as on macOS).

use std::path::{Path, PathBuf};
use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::{JobService, PORTABLE_LIVENESS_ENV};

use super::{LONG, all_output, config, gone_within, request, script};

const CHILD_DIR: &str = "GW_JOBS_CRASH_CHILD_DIR";
const CHILD_SCRIPT: &str = "GW_JOBS_CRASH_CHILD_SCRIPT";

/// Child mode: start a service, run the script (which prints `grandchild <pid>` and
/// `parent <pid>` first), publish the job id and pids, then hang until killed. Does nothing
/// when run as an ordinary test.
#[tokio::test]
#[ignore = "runs only as the child process of the crash tests"]
async fn gateway_process() {
    let (Some(dir), Ok(script_text)) = (
        std::env::var_os(CHILD_DIR).map(PathBuf::from),
        std::env::var(CHILD_SCRIPT),
    ) else {
        return;
    };
    let service = JobService::start(config(&dir)).await.unwrap();
    let job = service.submit(request(script(&script_text))).await.unwrap();
    loop {
        service
            .wait_for_change(&job.job_id, 0, Duration::from_millis(100))
            .await
            .unwrap();
        let text = service
            .result(&job.job_id, all_output())
            .await
            .unwrap()
            .unwrap()
            .stdout
            .text;
        let pids: Vec<&str> = text
            .lines()
            .filter_map(|line| line.split(' ').nth(1))
            .take(2)
            .collect();
        if pids.len() == 2 {
            let ready = format!("{} {} {}", job.job_id, pids[0], pids[1]);
            std::fs::write(dir.join("ready.tmp"), ready).unwrap();
            std::fs::rename(dir.join("ready.tmp"), dir.join("ready")).unwrap();
            break;
        }
    }
    tokio::time::sleep(Duration::from_secs(600)).await;
}

/// Starts the child gateway on `dir` with `script`; returns it, the job id and the two pids.
async fn child_gateway(
    dir: &Path,
    script: &str,
    portable: bool,
) -> (std::process::Child, String, Vec<i32>) {
    let gateway = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "suite::crash::gateway_process",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir)
        .env(CHILD_SCRIPT, script)
        .env(PORTABLE_LIVENESS_ENV, if portable { "1" } else { "0" })
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = dir.join("ready");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !ready.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the child gateway never started its job"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let published = std::fs::read_to_string(&ready).unwrap();
    let mut fields = published.split(' ');
    let job_id = fields.next().unwrap().to_owned();
    let pids: Vec<i32> = fields.map(|pid| pid.parse().unwrap()).collect();
    assert_eq!(pids.len(), 2);
    (gateway, job_id, pids)
}

/// The open descriptors of `pid` with what they point at, in numeric order.
fn descriptors(pid: i32) -> Vec<(String, String)> {
    let mut held: Vec<(String, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, target.to_string_lossy().into_owned())
        })
        .collect();
    held.sort_by_key(|(fd, _)| fd.parse::<u32>().unwrap_or(u32::MAX));
    held
}

/// The parent of `pid` (`/proc/<pid>/stat` field 4).
fn parent_of(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_job_outlives_a_gateway_killed_by_sigkill_and_a_later_gateway_reads_its_result() {
    job_outlives_a_killed_gateway(false).await;
}

#[tokio::test]
async fn on_the_portable_liveness_path_a_job_outlives_a_killed_gateway() {
    job_outlives_a_killed_gateway(true).await;
}

async fn job_outlives_a_killed_gateway(portable: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (mut gateway, job_id, pids) = child_gateway(
        dir.path(),
        "sleep 600 & echo grandchild $!; echo parent $$; sleep 1; kill $!; echo done",
        portable,
    )
    .await;
    gateway.kill().unwrap(); // SIGKILL
    gateway.wait().unwrap();

    let next = JobService::start(config(dir.path())).await.unwrap();
    let done = next.wait(&job_id, LONG).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.exit_code),
        (JobStatus::Completed, Some(0))
    );
    let result = next.result(&job_id, all_output()).await.unwrap().unwrap();
    assert!(
        result.stdout.text.ends_with("done\n"),
        "the whole output: {:?}",
        result.stdout.text
    );
    for pid in &pids {
        assert!(
            gone_within(*pid, Duration::from_secs(2)).await,
            "pid {pid} outlived its job"
        );
    }
}

#[tokio::test]
async fn sigkill_of_the_supervisor_kills_the_job_tree_and_the_job_reads_orphaned() {
    supervisor_sigkill_orphans_the_job(false).await;
}

#[tokio::test]
async fn on_the_portable_liveness_path_a_killed_supervisor_still_orphans_its_job() {
    supervisor_sigkill_orphans_the_job(true).await;
}

async fn supervisor_sigkill_orphans_the_job(portable: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (mut gateway, job_id, pids) = child_gateway(
        dir.path(),
        "sleep 600 & echo grandchild $!; echo parent $$; wait",
        portable,
    )
    .await;
    // parent = the CLI (sh); its parent is the group keeper, whose parent is the supervisor.
    let keeper = parent_of(pids[1]);
    let supervisor = parent_of(keeper);
    // The CLI runs in the job's private directory (`…/llm-cli-gateway-job-XXXX/work`).
    let private = std::fs::read_link(format!("/proc/{}/cwd", pids[1]))
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    assert!(
        private.to_string_lossy().contains("llm-cli-gateway-job-"),
        "{private:?}"
    );
    assert_ne!(supervisor, i32::try_from(gateway.id()).unwrap());
    // The keeper is forked from the supervisor: it must hold none of its files (the owner's lock
    // above all, which has to free the moment the supervisor dies), only the CLI's stdio and, as
    // 3, the read end of the supervisor's lifeline pipe, whose write end only the supervisor has.
    let held = descriptors(keeper);
    assert_eq!(
        held.iter().map(|(fd, _)| fd.as_str()).collect::<Vec<_>>(),
        ["0", "1", "2", "3"],
        "the keeper holds descriptors beyond stdio and its lifeline: {held:?}"
    );
    let lifeline = &held[3].1;
    assert!(lifeline.starts_with("pipe:"), "{lifeline}");
    let writers = descriptors(supervisor)
        .into_iter()
        .filter(|(_, target)| target == lifeline)
        .count();
    assert_eq!(writers, 2, "the supervisor holds both ends of {lifeline}");
    // Output is durable within 1 s of arriving (spec §2.8).
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    std::process::Command::new("kill")
        .args(["-9", &supervisor.to_string()])
        .status()
        .unwrap();
    for pid in pids.iter().chain([&keeper]) {
        assert!(
            gone_within(*pid, Duration::from_secs(2)).await,
            "pid {pid} outlived its supervisor by 2 s"
        );
    }
    assert!(
        !private.exists(),
        "{private:?} left behind by the dead supervisor"
    );
    let next = JobService::start(config(dir.path())).await.unwrap();
    let snapshot = next.status(&job_id).await.unwrap().unwrap();
    assert_eq!(snapshot.status, JobStatus::Orphaned);
    assert!(snapshot.error.unwrap().contains("cut off"));
    let result = next.result(&job_id, all_output()).await.unwrap().unwrap();
    assert!(
        result.stdout.text.starts_with("grandchild "),
        "partial output kept: {:?}",
        result.stdout.text
    );
    let record = next
        .request_by_correlation(&snapshot.correlation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, "orphaned");
    gateway.kill().unwrap();
    gateway.wait().unwrap();
}
