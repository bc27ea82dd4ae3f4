//! PLACEHOLDER — the model registry (aliases and defaults from env), replaced by the provider work.
