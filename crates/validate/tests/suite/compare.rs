//! `compare_answers` asks a judge and returns its structured comparison.

use std::time::Duration;

use gateway_core::ProviderId::Codex;
use gateway_validate::{CompareSpec, RunStatus, SeatChoice, SeatStatus, StatusView};
use pretty_assertions::assert_eq;

use super::harness::Harness;

fn spec(answers: &[&str]) -> CompareSpec {
    CompareSpec {
        question: "Which port does the service use?".to_owned(),
        answers: answers.iter().map(|answer| (*answer).to_owned()).collect(),
        judge: Some(SeatChoice::provider(Codex)),
        read_only: None,
        working_dir: None,
        force_refresh: false,
        origin_tool: "compare_answers".to_owned(),
    }
}

#[tokio::test]
async fn the_judge_says_which_answers_differ() {
    let judged = r#"```json
{"materiallyDifferent": true, "summary": "A2 names another port.", "agreements": [],
 "differences": [{"answers": ["A1", "A2"], "topic": "port", "explanation": "8080 vs 80"}],
 "preferred": "A1", "confidence": "medium"}
```"#;
    let harness = Harness::new(&[("FAKE_AGENT_RESPONSE_CODEX", judged)]).await;
    let started = harness
        .validator
        .compare(spec(&["8080", "Port 80"]))
        .await
        .unwrap();
    let report = harness
        .validator
        .wait_compare(&started.comparison_id, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Completed);
    assert_eq!(report.judge_status, SeatStatus::Completed);
    let comparison = report.comparison.clone().unwrap();
    assert_eq!(comparison.materially_different, Some(true));
    assert_eq!(comparison.preferred.as_deref(), Some("A1"));
    assert_eq!(comparison.differences[0].answers, vec!["A1", "A2"]);

    let judge = harness.run_of("codex");
    let prompt = judge.prompt.unwrap_or_default();
    assert!(
        prompt.contains("<A1>\n8080\n</A1>") && prompt.contains("<A2>\nPort 80\n</A2>"),
        "{prompt}"
    );
    assert!(judge.argv.join(" ").contains("-s read-only"));

    let StatusView::Comparison(view) = harness
        .validator
        .status_of(&started.comparison_id)
        .await
        .unwrap()
    else {
        panic!("a comparison id must name a comparison");
    };
    assert_eq!(*view, report);
}

#[tokio::test]
async fn identical_answers_need_no_judge() {
    let harness = Harness::new(&[]).await;
    let report = harness
        .validator
        .compare(spec(&["Port 80", "port  80"]))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Completed);
    assert_eq!(
        report
            .comparison
            .and_then(|comparison| comparison.materially_different),
        Some(false)
    );
    assert!(
        harness.runs().is_empty(),
        "no CLI may run: {:?}",
        harness.runs()
    );
}

#[tokio::test]
async fn fewer_than_two_answers_is_a_parameter_error() {
    let harness = Harness::new(&[]).await;
    let error = harness
        .validator
        .compare(spec(&["only one"]))
        .await
        .unwrap_err();
    assert!(error.is_caller_error());
    assert!(
        error.to_string().starts_with("invalid `answers`"),
        "{error}"
    );
}
