mod argv;
mod claude;
mod codex;
mod common;
mod gemini;
mod grok;
mod models;
mod vibe;
