mod argv;
mod claude;
mod codex;
mod gemini;
mod grok;
mod models;
mod vibe;
