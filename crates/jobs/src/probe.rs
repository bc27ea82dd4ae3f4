//! `--version` probes of installed CLIs. Being written.
