//! MCP over stdin/stdout: one JSON-RPC message per line each way.
//!
//! A transport of our own rather than rmcp's so that a line rmcp would drop gets its answer
//! ([`line`] decides which): a client must never wait forever for a request the server could
//! not read. Lines are read with a bound ([`MAX_LINE_BYTES`]) before anything is kept.

mod line;

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

use line::{Line, Rejection};

/// The longest message accepted (rmcp's default too): prompts of 1 MiB and more fit.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// How much of an oversized line is kept to find its request id.
const HEAD_BYTES: usize = 4096;

/// The server side of a line-delimited JSON-RPC stream.
pub struct LineTransport<R, W> {
    reader: BufReader<R>,
    writer: Arc<Mutex<W>>,
    line: Vec<u8>,
    /// Within an oversized line: its head, kept until the line ends.
    oversized: Option<Vec<u8>>,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(reader: R, writer: W) -> Self {
        LineTransport {
            reader: BufReader::new(reader),
            writer: Arc::new(Mutex::new(writer)),
            line: Vec::new(),
            oversized: None,
        }
    }

    /// Reads up to the next `\n`. `Ok(false)`: EOF. Cancel-safe: a read interrupted between
    /// `fill_buf` and `consume` consumes nothing, and a partial line stays in `self.line`.
    async fn read_line(&mut self) -> std::io::Result<bool> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok(false);
            }
            let newline = available.iter().position(|byte| *byte == b'\n');
            let take = newline.map_or(available.len(), |at| at + 1);
            let piece = &available[..newline.unwrap_or(take)];
            match self.oversized.as_mut() {
                Some(head) => {
                    let room = HEAD_BYTES.saturating_sub(head.len());
                    head.extend_from_slice(&piece[..piece.len().min(room)]);
                }
                None if self.line.len() + piece.len() > MAX_LINE_BYTES => {
                    let mut head = std::mem::take(&mut self.line);
                    head.truncate(HEAD_BYTES);
                    let room = HEAD_BYTES.saturating_sub(head.len());
                    head.extend_from_slice(&piece[..piece.len().min(room)]);
                    self.oversized = Some(head);
                }
                None => self.line.extend_from_slice(piece),
            }
            self.reader.consume(take);
            if newline.is_some() {
                return Ok(true);
            }
        }
    }
}

/// Answers every request id of `rejection` with its error; logs it either way.
async fn answer<W: AsyncWrite + Unpin>(
    writer: &Mutex<W>,
    rejection: Rejection,
) -> std::io::Result<()> {
    tracing::warn!(
        code = rejection.error.code.0,
        message = %rejection.error.message,
        answered = rejection.ids.len(),
        "refused a message from the stdio client"
    );
    for id in rejection.ids {
        let reply = TxJsonRpcMessage::<RoleServer>::error(rejection.error.clone(), Some(id));
        write_message(writer, &reply).await?;
    }
    Ok(())
}

async fn write_message<W: AsyncWrite + Unpin>(
    writer: &Mutex<W>,
    message: &TxJsonRpcMessage<RoleServer>,
) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(message)?;
    bytes.push(b'\n');
    let mut writer = writer.lock().await;
    writer.write_all(&bytes).await?;
    writer.flush().await
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = Arc::clone(&self.writer);
        let item = crate::tasks::decorate(&item).unwrap_or(item);
        async move { write_message(&writer, &item).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(true) => {}
                Ok(false) => return None,
                Err(error) => {
                    tracing::error!(%error, "reading stdin failed");
                    return None;
                }
            }
            let outcome = match self.oversized.take() {
                Some(head) => Line::Rejected(line::oversized(&head, MAX_LINE_BYTES)),
                None => line::classify(&self.line),
            };
            self.line.clear();
            match outcome {
                Line::Message(message) => return Some(*message),
                Line::Blank => {}
                // Written by a task of its own: rmcp drops a pending `receive` whenever another
                // branch of its loop is ready, and a reply cut there would corrupt stdout.
                Line::Rejected(rejection) => {
                    let writer = Arc::clone(&self.writer);
                    tokio::spawn(async move {
                        if let Err(error) = answer(&writer, rejection).await {
                            tracing::error!(%error, "writing to stdout failed");
                        }
                    });
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.writer.lock().await.shutdown().await
    }
}
