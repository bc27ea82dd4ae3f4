//! Captured output (append-only chunks, paged by character offsets) and progress events.

use crate::sql::{Db, Lock, Row, params};

use crate::model::{EventRecord, NewEvent, OutputChunk, Stream};
use crate::{Store, StoreError};

/// One page of a stream read back from the chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPage {
    pub text: String,
    /// Characters stored for the stream in all.
    pub total_chars: u64,
}

impl Store {
    /// Appends output chunks and events of one job in one transaction. Chunk sequence numbers
    /// and character offsets are computed here, after redaction, so offsets index what is
    /// stored. `events_truncated` records that the job stopped storing events (a cap).
    pub fn append(
        &self,
        job_id: &str,
        chunks: &[OutputChunk],
        events: &[NewEvent],
        events_truncated: bool,
    ) -> Result<(), StoreError> {
        if chunks.is_empty() && events.is_empty() && !events_truncated {
            return Ok(());
        }
        let conn = self.conn();
        // IMMEDIATE: the transaction reads (the last chunk) before it writes, and a deferred
        // one that another process wrote past in between fails at once with SQLITE_BUSY,
        // without waiting (many supervisors append to one file at the same time).
        let tx = conn.transaction(Lock::Rows)?;
        self.append_in(&tx, job_id, chunks, events, events_truncated)?;
        tx.commit()?;
        Ok(())
    }

    /// [`Store::append`] inside a transaction the caller commits.
    pub(crate) fn append_in(
        &self,
        tx: &Db,
        job_id: &str,
        chunks: &[OutputChunk],
        events: &[NewEvent],
        events_truncated: bool,
    ) -> Result<(), StoreError> {
        for chunk in chunks {
            let text = self.scrub(&chunk.text);
            let chars = text.chars().count() as i64;
            let (seq, offset): (i64, i64) = tx
                .optional_row(
                    r"SELECT seq + 1, char_offset + char_len FROM job_output
                      WHERE job_id = ?1 AND stream = ?2 ORDER BY seq DESC LIMIT 1",
                    params![job_id, chunk.stream.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?
                .unwrap_or((0, 0));
            tx.run(
                r"INSERT INTO job_output (job_id, stream, seq, char_offset, char_len, bytes, text)
                  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    job_id,
                    chunk.stream.as_str(),
                    seq,
                    offset,
                    chars,
                    chunk.bytes as i64,
                    text
                ],
            )?;
            let sql = match chunk.stream {
                Stream::Stdout => {
                    "UPDATE jobs SET stdout_bytes = stdout_bytes + ?2, stdout_chars = stdout_chars + ?3 WHERE id = ?1"
                }
                Stream::Stderr => {
                    "UPDATE jobs SET stderr_bytes = stderr_bytes + ?2, stderr_chars = stderr_chars + ?3 WHERE id = ?1"
                }
            };
            tx.run(sql, params![job_id, chunk.bytes as i64, chars])?;
        }
        for event in events {
            tx.run(
                r"INSERT INTO job_events (job_id, seq, at, kind, message)
                  VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                params![
                    job_id,
                    event.seq,
                    event.at_ms,
                    event.kind,
                    self.scrub(&event.message)
                ],
            )?;
        }
        if events_truncated {
            tx.run(
                "UPDATE jobs SET events_truncated = 1 WHERE id = ?1",
                params![job_id],
            )?;
        }
        Ok(())
    }

    /// Up to `max_chars` characters of `stream` starting at character `offset`.
    pub fn output_page(
        &self,
        job_id: &str,
        stream: Stream,
        offset: u64,
        max_chars: u64,
    ) -> Result<OutputPage, StoreError> {
        let conn = self.conn();
        let stream = stream.as_str();
        // Offsets grow with seq, so the last chunk holds the total and an index on the offset
        // finds the first chunk of the page: a page costs O(log n + page), never a full scan.
        let total: i64 = conn
            .optional_row(
                r"SELECT char_offset + char_len FROM job_output
                  WHERE job_id = ?1 AND stream = ?2 ORDER BY seq DESC LIMIT 1",
                params![job_id, stream],
                |row| row.get(0),
            )?
            .unwrap_or(0);
        let start = i64::try_from(offset).unwrap_or(i64::MAX);
        let end = start.saturating_add(i64::try_from(max_chars).unwrap_or(i64::MAX));
        let first_seq: i64 = conn
            .optional_row(
                r"SELECT seq FROM job_output WHERE job_id = ?1 AND stream = ?2 AND char_offset <= ?3
                  ORDER BY char_offset DESC LIMIT 1",
                params![job_id, stream, start],
                |row| row.get(0),
            )?
            .unwrap_or(0);
        let rows = conn.rows(
            r"SELECT char_offset, text FROM job_output
              WHERE job_id = ?1 AND stream = ?2 AND seq >= ?3 ORDER BY seq",
            params![job_id, stream, first_seq],
            |row| Ok((row.get::<i64>(0)?, row.get::<String>(1)?)),
        )?;
        let mut text = String::new();
        for (chunk_offset, chunk) in rows {
            if chunk_offset >= end {
                break;
            }
            let skip = usize::try_from(start - chunk_offset).unwrap_or(0);
            let take = usize::try_from(end - chunk_offset.max(start)).unwrap_or(usize::MAX);
            text.extend(chunk.chars().skip(skip).take(take));
        }
        Ok(OutputPage {
            text,
            total_chars: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Events with `seq > after_seq`, oldest first, at most `limit`.
    pub fn events(
        &self,
        job_id: &str,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let conn = self.conn();
        let rows = conn.rows(
            r"SELECT seq, at, kind, message FROM job_events
              WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            params![job_id, after_seq, limit],
            event_from_row,
        )?;
        Ok(rows)
    }

    /// The highest stored event seq of a job (0 when none).
    pub fn last_event_seq(&self, job_id: &str) -> Result<i64, StoreError> {
        self.conn().row(
            "SELECT coalesce(max(seq), 0) FROM job_events WHERE job_id = ?1",
            params![job_id],
            |row| row.get(0),
        )
    }
}

/// An event from `SELECT seq, at, kind, message FROM job_events`.
pub(crate) fn event_from_row(row: &Row<'_>) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        seq: row.get(0)?,
        at_ms: row.get(1)?,
        kind: row.get(2)?,
        message: row.get(3)?,
    })
}
