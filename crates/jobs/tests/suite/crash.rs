//! The gateway dies by SIGKILL while a job runs: the job's whole tree must be gone within 2 s
//! without any restart, and the next start marks the job `orphaned` with its partial output.
//! The "gateway" is this test binary re-run as a child process (see `gateway_process`).

use std::path::PathBuf;
use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::JobService;

use super::{all_output, config, gone_within, request, script};

const CHILD_DIR: &str = "GW_JOBS_CRASH_CHILD_DIR";

/// Child mode: start a service, run a job with a grandchild, publish the pids, then hang
/// until killed. Does nothing when run as an ordinary test.
#[tokio::test]
#[ignore = "runs only as the child process of the crash test"]
async fn gateway_process() {
    let Some(dir) = std::env::var_os(CHILD_DIR).map(PathBuf::from) else {
        return;
    };
    let service = JobService::start(config(&dir)).await.unwrap();
    let job = service
        .submit(request(script(
            "sleep 600 & echo grandchild $!; echo parent $$; wait",
        )))
        .await
        .unwrap();
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

#[tokio::test]
async fn sigkill_of_the_gateway_kills_the_job_tree_and_the_next_start_orphans_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut gateway = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "suite::crash::gateway_process",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = dir.path().join("ready");
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

    gateway.kill().unwrap(); // SIGKILL
    gateway.wait().unwrap();
    for pid in &pids {
        assert!(
            gone_within(*pid, Duration::from_secs(2)).await,
            "pid {pid} outlived its gateway by 2 s"
        );
    }

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
}
