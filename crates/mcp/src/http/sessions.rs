//! rmcp's session manager with one change: answers go out through [`crate::tasks::decorate`]
//! (`capabilities.tasks` in `initialize`, `execution` in `tools/list`). All else is delegated.

use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::{
    ServerSseMessage, SessionId, SessionManager,
};

type Local = LocalSessionManager;
type Error = <Local as SessionManager>::Error;

/// The local session manager, advertising tasks.
pub(super) struct Sessions(pub(super) Arc<Local>);

impl SessionManager for Sessions {
    type Error = Error;
    type Transport = <Local as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Error> {
        self.0.create_session().await
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Error> {
        let answer = self.0.initialize_session(id, message).await?;
        Ok(crate::tasks::decorate(&answer).unwrap_or(answer))
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Error> {
        self.0.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Error> {
        self.0.close_session(id).await
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Error> {
        Ok(self.0.create_stream(id, message).await?.map(decorate))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Error> {
        self.0.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Error> {
        Ok(self.0.create_standalone_stream(id).await?.map(decorate))
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Error> {
        Ok(self.0.resume(id, last_event_id).await?.map(decorate))
    }
}

fn decorate(mut event: ServerSseMessage) -> ServerSseMessage {
    if let Some(message) = event.message.as_deref().and_then(crate::tasks::decorate) {
        event.message = Some(Arc::new(message));
    }
    event
}
