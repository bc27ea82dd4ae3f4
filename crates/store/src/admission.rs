//! Admission across every process on one database: the running limits are counted from the
//! `jobs` table itself, so they hold whichever gateway or supervisor asks.
//!
//! Protocol: a queued job's supervisor calls [`Store::claim_slot`]; inside one `IMMEDIATE`
//! transaction it counts running jobs and walks the older queued jobs first-in first-out,
//! reserving a slot for each whose provider has room ([`dispatch`]), so a younger job never
//! overtakes an older one that could run. A supervisor that finishes asks
//! [`Store::admissible`] which queued jobs would now get a slot and wakes them.

use std::collections::HashMap;

use crate::sql::{Db, Lock, params};
use gateway_core::JobStatus;

use crate::model::RunningInfo;
use crate::{Store, StoreError};

/// The running limits (`max_running`, `max_running_per_provider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotLimits {
    pub max_running: usize,
    pub max_per_provider: usize,
}

/// Running and queued counts, for "at capacity" messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    pub running: usize,
    pub provider_running: usize,
    pub queued: usize,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The job is now `running` and owned by the claimant.
    Admitted,
    /// No slot yet (or an older queued job comes first).
    Full(Load),
    /// The job is no longer queued (canceled, orphaned …) or does not exist.
    Gone(Option<JobStatus>),
}

/// Which of `queued` (oldest first, `(id, provider)`) get a slot, given the running counts.
/// Pure, so the fairness rule is tested with tables.
pub fn dispatch<'a>(
    running: &HashMap<String, usize>,
    queued: &'a [(String, String)],
    limits: SlotLimits,
) -> Vec<&'a str> {
    let mut total: usize = running.values().sum();
    let mut per_provider = running.clone();
    let mut admitted = Vec::new();
    for (id, provider) in queued {
        if total >= limits.max_running {
            break;
        }
        let count = per_provider.entry(provider.clone()).or_insert(0);
        if *count < limits.max_per_provider {
            *count += 1;
            total += 1;
            admitted.push(id.as_str());
        }
    }
    admitted
}

impl Store {
    /// Whether queued job `id` would get a slot now, and the load it sees: running jobs in all
    /// and of its provider, and the queued jobs that would still wait (itself included).
    pub fn outlook(&self, id: &str, limits: SlotLimits) -> Result<(bool, Load), StoreError> {
        let conn = self.conn();
        let provider: String = conn.row(
            "SELECT provider FROM jobs WHERE id = ?1",
            params![id],
            |row| row.get(0),
        )?;
        let running = running_by_provider(&conn)?;
        let queued = queued_up_to(&conn, i64::MAX, "")?;
        let admitted = dispatch(&running, &queued, limits);
        let runs_now = admitted.contains(&id);
        let ahead = queued
            .iter()
            .take_while(|(queued_id, _)| queued_id != id)
            .count();
        let waiting = queued.len().saturating_sub(admitted.len()).min(ahead + 1);
        Ok((
            runs_now,
            Load {
                running: running.values().sum(),
                provider_running: running.get(&provider).copied().unwrap_or(0),
                queued: waiting,
            },
        ))
    }

    /// Moves queued job `id` to `running` (owned by `owner`, started now) when a slot is free
    /// for it and no older queued job comes first. The answer is worked out under a read first,
    /// which never waits on a writer: many queued supervisors asking at once would otherwise
    /// queue for the write lock only to hear "full". Only a job that gets a slot takes the
    /// write lock, and checks again under it.
    pub fn claim_slot(
        &self,
        id: &str,
        owner: &str,
        limits: SlotLimits,
        now_ms: i64,
    ) -> Result<Claim, StoreError> {
        let conn = self.conn();
        match evaluate(&conn, id, limits)? {
            Claim::Admitted => {}
            other @ (Claim::Full(_) | Claim::Gone(_)) => return Ok(other),
        }
        let tx = conn.transaction(Lock::Global)?;
        let claim = evaluate(&tx, id, limits)?;
        if claim == Claim::Admitted {
            tx.run(
                "UPDATE jobs SET status = 'running', started_at = ?3, owner_instance = ?2
                 WHERE id = ?1 AND status = 'queued'",
                params![id, owner, now_ms],
            )?;
            tx.commit()?;
        }
        Ok(claim)
    }

    /// Queued jobs that would get a slot now, oldest first (to wake their supervisors).
    pub fn admissible(&self, limits: SlotLimits) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let running = running_by_provider(&conn)?;
        let queued = queued_up_to(&conn, i64::MAX, "")?;
        Ok(dispatch(&running, &queued, limits)
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// Hands a queued job from the gateway that inserted it to its supervisor (`to`).
    /// `false`: it is no longer queued under `from` (canceled or reconciled meanwhile).
    pub fn adopt_job(&self, id: &str, from: &str, to: &str) -> Result<bool, StoreError> {
        let changed = self.conn().run(
            "UPDATE jobs SET owner_instance = ?3
             WHERE id = ?1 AND owner_instance = ?2 AND status = 'queued'",
            params![id, from, to],
        )?;
        Ok(changed == 1)
    }

    /// Records the running job's process group (after [`Store::claim_slot`] admitted it).
    /// `false`: the job is no longer running (a cancel won the race).
    pub fn record_process(&self, id: &str, info: RunningInfo) -> Result<bool, StoreError> {
        let changed = self.conn().run(
            "UPDATE jobs SET pid = ?2, pgid = ?3, proc_start_ticks = ?4
             WHERE id = ?1 AND status = 'running'",
            params![id, info.pid, info.pgid, info.proc_start_ticks],
        )?;
        Ok(changed == 1)
    }
}

/// Whether queued job `id` would get a slot now (`Admitted` here changes nothing yet).
fn evaluate(conn: &Db, id: &str, limits: SlotLimits) -> Result<Claim, StoreError> {
    let found: Option<(String, String, i64)> = conn.optional_row(
        "SELECT status, provider, created_at FROM jobs WHERE id = ?1",
        params![id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let Some((status, provider, created_at)) = found else {
        return Ok(Claim::Gone(None));
    };
    let status = crate::jobs::parse_status(&status)?;
    if status != JobStatus::Queued {
        return Ok(Claim::Gone(Some(status)));
    }
    let running = running_by_provider(conn)?;
    let ahead = queued_up_to(conn, created_at, id)?;
    if dispatch(&running, &ahead, limits).contains(&id) {
        return Ok(Claim::Admitted);
    }
    let queued: i64 = conn.row(
        "SELECT count(*) FROM jobs WHERE status = 'queued'",
        params![],
        |row| row.get(0),
    )?;
    Ok(Claim::Full(Load {
        running: running.values().sum(),
        provider_running: running.get(&provider).copied().unwrap_or(0),
        queued: usize::try_from(queued).unwrap_or(0),
    }))
}

fn running_by_provider(conn: &Db) -> Result<HashMap<String, usize>, StoreError> {
    let rows = conn.rows(
        "SELECT provider, count(*) FROM jobs WHERE status = 'running' GROUP BY provider",
        params![],
        |row| Ok((row.get::<String>(0)?, row.get::<i64>(1)?)),
    )?;
    let mut running = HashMap::new();
    for (provider, count) in rows {
        running.insert(provider, usize::try_from(count).unwrap_or(0));
    }
    Ok(running)
}

/// Queued jobs created before (`created_at`, `id`), and that job itself, oldest first.
fn queued_up_to(conn: &Db, created_at: i64, id: &str) -> Result<Vec<(String, String)>, StoreError> {
    let rows = conn.rows(
        "SELECT id, provider FROM jobs WHERE status = 'queued'
           AND (created_at < ?1 OR (created_at = ?1 AND id <= ?2))
         ORDER BY created_at, id",
        params![created_at, id],
        |row| Ok((row.get::<String>(0)?, row.get::<String>(1)?)),
    )?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (queued jobs oldest first as (id, provider), the ids admitted).
    type Case = (
        &'static [(&'static str, &'static str)],
        &'static [&'static str],
    );

    fn queue(entries: &[(&str, &str)]) -> Vec<(String, String)> {
        entries
            .iter()
            .map(|(id, provider)| ((*id).to_owned(), (*provider).to_owned()))
            .collect()
    }

    #[test]
    fn dispatch_is_fifo_and_a_full_provider_does_not_block_others() {
        let limits = SlotLimits {
            max_running: 3,
            max_per_provider: 1,
        };
        let running = HashMap::from([("claude".to_owned(), 1)]);
        let cases: [Case; 4] = [
            (&[], &[]),
            (&[("a", "claude"), ("b", "codex")], &["b"]),
            (
                &[("a", "codex"), ("b", "codex"), ("c", "gemini")],
                &["a", "c"],
            ),
            (
                &[("a", "codex"), ("b", "gemini"), ("c", "grok")],
                &["a", "b"],
            ),
        ];
        for (queued, expected) in cases {
            let queued = queue(queued);
            assert_eq!(dispatch(&running, &queued, limits), expected, "{queued:?}");
        }
    }
}
