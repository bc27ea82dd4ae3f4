//! The MCP server. Being written.
