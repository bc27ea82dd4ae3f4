//! Admission: at most N running jobs in all and M per provider, a bounded FIFO queue in which a
//! provider at its own cap does not block waiters for other providers.
//!
//! Protocol: [`Scheduler::admit`] either hands out a [`Permit`] at once or enqueues a waiter
//! with a oneshot. A released permit walks the queue front to back and gives its slot to the
//! first waiter whose provider has room, counting the slot *before* sending; a waiter that gave
//! up (time-out, cancel) removes itself, and if it was already handed a slot it takes the
//! permit and drops it, so no slot leaks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_running: usize,
    pub(crate) max_per_provider: usize,
    pub(crate) max_queued: usize,
}

#[derive(Debug)]
pub(crate) struct Scheduler {
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    running: usize,
    per_provider: HashMap<String, usize>,
    waiters: VecDeque<Waiter>,
    next_id: u64,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    provider: String,
    send: oneshot::Sender<()>,
}

/// A running slot; dropping it frees the slot for the next waiter.
#[derive(Debug)]
pub(crate) struct Permit {
    scheduler: Arc<Scheduler>,
    provider: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.scheduler.release(&self.provider);
    }
}

/// A queued claim on a slot.
#[derive(Debug)]
pub(crate) struct Ticket {
    id: u64,
    provider: String,
    receive: oneshot::Receiver<()>,
}

pub(crate) enum Admission {
    Now(Permit),
    Queued(Ticket),
}

/// Running and queued counts, for "at capacity" messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) running: usize,
    pub(crate) provider_running: usize,
    pub(crate) queued: usize,
}

impl Scheduler {
    pub(crate) fn new(limits: Limits) -> Arc<Scheduler> {
        Arc::new(Scheduler {
            limits,
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn has_room(&self, state: &State, provider: &str) -> bool {
        state.running < self.limits.max_running
            && state.per_provider.get(provider).copied().unwrap_or(0) < self.limits.max_per_provider
    }

    fn occupy(state: &mut State, provider: &str) {
        state.running += 1;
        *state.per_provider.entry(provider.to_owned()).or_insert(0) += 1;
    }

    /// A slot now, a place in the queue, or `Err(load)` when the queue is full.
    pub(crate) fn admit(self: &Arc<Self>, provider: &str) -> Result<Admission, Load> {
        let mut state = self.state();
        if self.has_room(&state, provider) {
            Scheduler::occupy(&mut state, provider);
            return Ok(Admission::Now(Permit {
                scheduler: Arc::clone(self),
                provider: provider.to_owned(),
            }));
        }
        if state.waiters.len() >= self.limits.max_queued {
            return Err(Scheduler::load(&state, provider));
        }
        let (send, receive) = oneshot::channel();
        state.next_id += 1;
        let id = state.next_id;
        state.waiters.push_back(Waiter {
            id,
            provider: provider.to_owned(),
            send,
        });
        Ok(Admission::Queued(Ticket {
            id,
            provider: provider.to_owned(),
            receive,
        }))
    }

    fn load(state: &State, provider: &str) -> Load {
        Load {
            running: state.running,
            provider_running: state.per_provider.get(provider).copied().unwrap_or(0),
            queued: state.waiters.len(),
        }
    }

    /// Current load for `provider`.
    #[cfg(test)]
    pub(crate) fn current_load(&self, provider: &str) -> Load {
        Scheduler::load(&self.state(), provider)
    }

    /// Waits for the ticket's slot. `None` if the scheduler dropped the waiter (shutdown).
    pub(crate) async fn wait(self: &Arc<Self>, ticket: &mut Ticket) -> Option<Permit> {
        (&mut ticket.receive).await.ok()?;
        Some(Permit {
            scheduler: Arc::clone(self),
            provider: ticket.provider.clone(),
        })
    }

    /// Gives up a ticket (time-out, cancel); frees the slot if one was already handed over.
    pub(crate) fn abandon(self: &Arc<Self>, mut ticket: Ticket) {
        let mut state = self.state();
        let before = state.waiters.len();
        state.waiters.retain(|waiter| waiter.id != ticket.id);
        let removed = state.waiters.len() != before;
        drop(state);
        if !removed && ticket.receive.try_recv().is_ok() {
            drop(Permit {
                scheduler: Arc::clone(self),
                provider: ticket.provider,
            });
        }
    }

    /// Drops every waiter (their `wait` returns `None`).
    pub(crate) fn close(&self) {
        self.state().waiters.clear();
    }

    fn release(&self, provider: &str) {
        let mut state = self.state();
        state.running = state.running.saturating_sub(1);
        if let Some(count) = state.per_provider.get_mut(provider) {
            *count = count.saturating_sub(1);
        }
        self.dispatch(&mut state);
    }

    /// Hands free slots to waiters, oldest first, skipping providers at their cap.
    fn dispatch(&self, state: &mut State) {
        let mut index = 0;
        while index < state.waiters.len() && state.running < self.limits.max_running {
            if !self.has_room(state, &state.waiters[index].provider) {
                index += 1;
                continue;
            }
            let Some(waiter) = state.waiters.remove(index) else {
                break;
            };
            Scheduler::occupy(state, &waiter.provider);
            if waiter.send.send(()).is_err() {
                // The waiter is gone without abandoning (its task was dropped): undo.
                state.running = state.running.saturating_sub(1);
                if let Some(count) = state.per_provider.get_mut(&waiter.provider) {
                    *count = count.saturating_sub(1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduler() -> Arc<Scheduler> {
        Scheduler::new(Limits {
            max_running: 2,
            max_per_provider: 1,
            max_queued: 2,
        })
    }

    #[tokio::test]
    async fn a_full_provider_does_not_block_others_and_queue_is_bounded() {
        let scheduler = scheduler();
        let Ok(Admission::Now(claude)) = scheduler.admit("claude") else {
            panic!("slot")
        };
        let Ok(Admission::Queued(mut second_claude)) = scheduler.admit("claude") else {
            panic!("queued")
        };
        let Ok(Admission::Now(codex)) = scheduler.admit("codex") else {
            panic!("codex not blocked")
        };
        let Ok(Admission::Queued(gemini)) = scheduler.admit("gemini") else {
            panic!("queued")
        };
        assert!(scheduler.admit("grok").is_err(), "queue of 2 is full");
        drop(claude);
        let permit = scheduler.wait(&mut second_claude).await;
        assert!(permit.is_some());
        scheduler.abandon(gemini);
        drop(codex);
        drop(permit);
        let load = scheduler.current_load("claude");
        assert_eq!((load.running, load.queued), (0, 0));
    }
}
